/**
 * A reference simulation of the credit service's billing (0.4.2, the credit
 * task), on a fake clock, for the estimate's tests.
 *
 * At each task run: grants are added up to the caps; each running server
 * whose billing interval has passed since its last bill (or that was never
 * billed) is billed `bills × value` (`bills = max(elapsed // interval, 1)`);
 * the project pays first, the user the rest; a server whose bill is more
 * than user + project is stopped instead. The page sees a snapshot after
 * every task run while its server runs.
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
  /** Servers billed from the same entry; this page's is the last billed. */
  servers?: number;
  /** Stop looking after this long (s). */
  untilS?: number;
}

export interface ISimulated {
  /** One sample per task run while this page's server runs (ms). */
  samples: IBalanceSample[];
  /** When the hub stopped this page's server (ms), `null` if it did not. */
  stopAt: number | null;
  /** The last balance the page saw before the stop. */
  lastAvailable: number;
  /** The grants as the per-user stream states them. */
  grants: IGrantPlan[];
}

export function simulate(sim: IHubSimulation): ISimulated {
  let user = sim.user;
  let project = sim.project;
  const servers = sim.servers ?? 1;
  const lastBilled: (number | null)[] = new Array(servers).fill(null);
  const running: boolean[] = new Array(servers).fill(true);
  let userGrantAt = 0;
  let projectGrantAt = 0;
  const samples: IBalanceSample[] = [];
  const until = sim.untilS ?? 30 * 24 * 3600;
  for (let t = sim.taskS; t <= until; t += sim.taskS) {
    if (sim.userGrant && t - userGrantAt >= sim.userGrant.intervalS) {
      const n = Math.floor((t - userGrantAt) / sim.userGrant.intervalS);
      user = Math.min(sim.userCap, user + n * sim.userGrant.value);
      userGrantAt += n * sim.userGrant.intervalS;
    }
    if (sim.projectGrant && t - projectGrantAt >= sim.projectGrant.intervalS) {
      const n = Math.floor((t - projectGrantAt) / sim.projectGrant.intervalS);
      project = Math.min(sim.projectCap, project + n * sim.projectGrant.value);
      projectGrantAt += n * sim.projectGrant.intervalS;
    }
    for (let s = 0; s < servers; s++) {
      const last = lastBilled[s];
      if (!running[s] || (last !== null && t - last < sim.billingIntervalS)) {
        continue;
      }
      const bills =
        last === null
          ? 1
          : Math.max(Math.floor((t - last) / sim.billingIntervalS), 1);
      const cost = bills * sim.billingValue;
      if (cost > user + project) {
        running[s] = false;
        if (s === servers - 1) {
          const lastAvailable =
            samples[samples.length - 1]?.available ?? user + project;
          return {
            samples,
            stopAt: t * 1000,
            lastAvailable,
            grants: plans(sim)
          };
        }
        continue;
      }
      const fromProject = Math.min(project, cost);
      project -= fromProject;
      user -= cost - fromProject;
      lastBilled[s] = t;
    }
    samples.push({ t: t * 1000, available: user + project });
  }
  return {
    samples,
    stopAt: null,
    lastAvailable: user + project,
    grants: plans(sim)
  };
}

function plans(sim: IHubSimulation): IGrantPlan[] {
  const cap = sim.userCap + sim.projectCap;
  return [sim.userGrant, sim.projectGrant]
    .filter(g => g !== undefined)
    .map(g => ({
      value: g!.value,
      intervalMs: g!.intervalS * 1000,
      last: 0,
      cap
    }));
}
