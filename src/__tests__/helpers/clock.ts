/**
 * Time a test drives.
 */
import type { IClock } from '../../client/clock';

/**
 * A clock the test moves: `advance` runs the timers that fall due, in order.
 */
export class ManualClock implements IClock {
  constructor(public t = 0) {}

  now(): number {
    return this.t;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const timer = { at: this.t + Math.max(0, ms), callback };
    this._timers.push(timer);
    return timer;
  }

  clearTimeout(handle: unknown): void {
    this._timers = this._timers.filter(timer => timer !== handle);
  }

  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this._timers
        .filter(timer => timer.at <= end)
        .sort((a, b) => a.at - b.at)[0];
      if (!due) {
        break;
      }
      this.clearTimeout(due);
      this.t = due.at;
      due.callback();
    }
    this.t = end;
  }

  /** How many timers wait. */
  get pending(): number {
    return this._timers.length;
  }

  /** When the timers that wait fall due. */
  get dueTimes(): number[] {
    return this._timers.map(timer => timer.at).sort((a, b) => a - b);
  }

  private _timers: { at: number; callback: () => void }[] = [];
}

/**
 * Waits (on the real clock) until `condition` holds, at most `ms`.
 */
export async function until(
  condition: () => boolean,
  ms = 5000
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${ms} ms`);
    }
    await new Promise(resolve => setTimeout(resolve, 2));
  }
}
