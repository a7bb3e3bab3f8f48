/**
 * Loading late: what is needed only once there are balances.
 */
import type { ISignal } from '@lumino/signaling';

/**
 * Calls `load` once: at the first balance (or the stop, with `orStop`),
 * now if that already came.
 */
export function withFirstBalance(
  model: {
    readonly stateChanged: ISignal<unknown, void>;
    readonly lastUpdate: number | null;
    readonly state: string;
  },
  load: () => void,
  orStop = false
): void {
  const check = () => {
    if (model.lastUpdate !== null || (orStop && model.state === 'stopped')) {
      model.stateChanged.disconnect(check);
      load();
    }
  };
  model.stateChanged.connect(check);
  check();
}
