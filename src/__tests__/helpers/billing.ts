/**
 * A reference simulation of the credit service's billing (0.4.2, the credit
 * task), on a fake clock, for the estimate's tests and the shared vectors.
 *
 * At each task run, as `credit_reconciliation_task` does:
 * - grants: a balance above its cap is cut to the cap; else, at the daily
 *   `credits_grant_sync_time` (0.4: the first task run within 1.2 task
 *   intervals after it, when the last grant was before it) one grant — or
 *   as many as whole intervals passed — lands below the cap and the grant
 *   time is set to now; otherwise one grant per whole `grant_interval`
 *   passed (the user's at `>=`, the project's at `>` and only below its
 *   cap), the grant time moving on by those intervals;
 * - bills: each running server that is ready and was never billed, or
 *   whose billing interval has passed since its last bill, is billed
 *   `bills × value` (`bills = max(elapsed // interval, 1)`); the project
 *   pays first, the user the rest; a server whose bill is more than
 *   user + project is stopped instead.
 * The page sees a snapshot after every task run while its server runs
 * (from `seenFromS` on, minus the snapshots it misses).
 */
import type { IBalanceSample, IGrantPlan } from '../../model/estimate';

export interface IHubSimulation {
  /** Seconds between task runs. */
  taskS: number;
  billingIntervalS: number;
  billingValue: number;
  user: number;
  userCap: number;
  project: number;
  projectCap: number;
  userGrant?: { value: number; intervalS: number };
  projectGrant?: { value: number; intervalS: number };
  /** `credits_grant_sync_time` as seconds after midnight (UTC here). */
  grantSyncS?: number;
  /** Servers billed from the same entry; this page's is the last billed. */
  servers?: number;
  /** The first task run (s since the epoch; default one task interval). */
  startS?: number;
  /** This page's server is ready from then on (s; default at once). */
  readyS?: number;
  /** The page's first snapshot (s): bills before it are not seen. */
  seenFromS?: number;
  /** Whether the page gets the snapshot of task run `i` (default all). */
  sees?: (i: number) => boolean;
  /** Stop looking after this long (s). */
  untilS?: number;
}

export interface ISimulated {
  /** One sample per task run the page sees while its server runs (ms). */
  samples: IBalanceSample[];
  /** The grants as the hub stated them with each sample (per-user list). */
  grantsSeen: IGrantPlan[][];
  /** When the hub stopped this page's server (ms), `null` if it did not. */
  stopAt: number | null;
  /** The last balance the page saw before the stop. */
  lastAvailable: number;
  /** The grants as the per-user stream states them at the end. */
  grants: IGrantPlan[];
}

interface IPot {
  balance: number;
  cap: number;
  grant?: { value: number; intervalS: number };
  /** `grant_last_update` (s). */
  grantAt: number;
}

export function simulate(sim: IHubSimulation): ISimulated {
  const start = sim.startS ?? sim.taskS;
  // A hub that synced grants before has aligned every grant time to the
  // last sync.
  const grantAt = Private.lastSync(sim, start - sim.taskS);
  const user: IPot = {
    balance: sim.user,
    cap: sim.userCap,
    grant: sim.userGrant,
    grantAt
  };
  const project: IPot = {
    balance: sim.project,
    cap: sim.projectCap,
    grant: sim.projectGrant,
    grantAt
  };
  const servers = sim.servers ?? 1;
  const page = servers - 1;
  const lastBilled: (number | null)[] = new Array(servers).fill(null);
  const running: boolean[] = new Array(servers).fill(true);
  const samples: IBalanceSample[] = [];
  const grantsSeen: IGrantPlan[][] = [];
  const until = start + (sim.untilS ?? 30 * 24 * 3600);
  const result = (stopAt: number | null): ISimulated => ({
    samples,
    grantsSeen,
    stopAt,
    lastAvailable:
      samples[samples.length - 1]?.available ?? user.balance + project.balance,
    grants: plans(user, project)
  });
  for (let i = 0, t = start; t <= until; i++, t += sim.taskS) {
    const sync = Private.syncAt(sim, t);
    Private.grant(user, t, sync, false);
    Private.grant(project, t, sync, true);
    for (let s = 0; s < servers; s++) {
      const last = lastBilled[s];
      const ready = s !== page || t >= (sim.readyS ?? start);
      if (
        !running[s] ||
        !ready ||
        (last !== null && t - last < sim.billingIntervalS)
      ) {
        continue;
      }
      const bills =
        last === null
          ? 1
          : Math.max(Math.floor((t - last) / sim.billingIntervalS), 1);
      const cost = bills * sim.billingValue;
      if (cost > user.balance + project.balance) {
        running[s] = false;
        if (s === page) {
          return result(t * 1000);
        }
        continue;
      }
      const fromProject = Math.min(project.balance, cost);
      project.balance -= fromProject;
      user.balance -= cost - fromProject;
      lastBilled[s] = t;
    }
    if (t >= (sim.seenFromS ?? start) && (sim.sees?.(i) ?? true)) {
      samples.push({ t: t * 1000, available: user.balance + project.balance });
      grantsSeen.push(plans(user, project));
    }
  }
  return result(null);
}

/**
 * The grants as the per-user list states them: value, interval and
 * `grant_last_update`, up to the caps of both.
 */
function plans(user: IPot, project: IPot): IGrantPlan[] {
  const cap = user.cap + project.cap;
  return [user, project]
    .filter(pot => pot.grant !== undefined && pot.grant.value > 0)
    .map(pot => ({
      value: pot.grant!.value,
      intervalMs: pot.grant!.intervalS * 1000,
      last: pot.grantAt * 1000,
      cap
    }));
}

namespace Private {
  const DAY = 24 * 3600;

  /**
   * The sync time this task run grants for, or `null`: the run comes within
   * 1.2 task intervals after the day's sync time.
   */
  export function syncAt(sim: IHubSimulation, t: number): number | null {
    if (sim.grantSyncS === undefined) {
      return null;
    }
    const today = Math.floor(t / DAY) * DAY + sim.grantSyncS;
    const after = t - today;
    return after >= 0 && after <= Math.floor(sim.taskS * 1.2) ? today : null;
  }

  /** The last sync time at or before `t` (`t` without a sync time). */
  export function lastSync(sim: IHubSimulation, t: number): number {
    if (sim.grantSyncS === undefined) {
      return t;
    }
    const today = Math.floor(t / DAY) * DAY + sim.grantSyncS;
    return today <= t ? today : today - DAY;
  }

  export function grant(
    pot: IPot,
    t: number,
    sync: number | null,
    isProject: boolean
  ): void {
    const grant = pot.grant;
    if (!grant) {
      return;
    }
    const elapsed = t - pot.grantAt;
    if (sync !== null && pot.grantAt < sync) {
      if (pot.balance < pot.cap) {
        const n =
          elapsed > grant.intervalS ? Math.floor(elapsed / grant.intervalS) : 1;
        pot.balance = Math.min(pot.balance + n * grant.value, pot.cap);
      }
      // The hub always aligns the grant time to the sync run.
      pot.grantAt = t;
      return;
    }
    if (pot.balance > pot.cap) {
      pot.balance = pot.cap;
      return;
    }
    const due = isProject
      ? pot.balance < pot.cap && elapsed > grant.intervalS
      : elapsed >= grant.intervalS;
    if (due) {
      const n = Math.floor(elapsed / grant.intervalS);
      pot.balance = Math.min(pot.balance + n * grant.value, pot.cap);
      pot.grantAt += n * grant.intervalS;
    }
  }
}
