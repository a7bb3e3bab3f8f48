/**
 * When the hub will stop this server, from the balance history.
 *
 * The hub's rule (credit service 0.4.2, the credit task): at each task run
 * it bills `bills × billing_value` and stops the server when that is more
 * than user + project balance — not when the balance reaches zero. So what
 * pays falls in steps of one bill every billing interval, and the stop
 * comes at the first bill that cannot be paid.
 *
 * The estimate reads the staircase: the bill is the smallest drop, the
 * period the time the drops take per bill. It predicts the stop as the
 * first bill the balance cannot pay (a range, as far as the samples pin
 * the steps down, plus up to one task interval), folds in grants where the
 * hub states them (per-user stream, REST list) — in the prediction, and in
 * the steps read, where a bill in the same task run as a grant would hide —
 * and otherwise leaves rises out. It is known
 * from the second step on, for any billing interval.
 */

import type { ICreditEntry } from './payload';

/**
 * One observation of the credits that pay for this server.
 */
export interface IBalanceSample {
  /** ms since the epoch */
  readonly t: number;
  /** What is left to pay with: the user's balance plus the project's. */
  readonly available: number;
}

/**
 * A grant the hub states (per-user stream): `value` every `intervalMs`.
 */
export interface IGrantPlan {
  readonly value: number;
  readonly intervalMs: number;
  /** The last grant (ms since the epoch); `null` when unknown. */
  readonly last: number | null;
  /** Grants stop at this much available (the caps). */
  readonly cap: number;
}

export type Estimate =
  | { readonly kind: 'unknown' }
  | { readonly kind: 'steady' }
  | {
      readonly kind: 'falling';
      /** Credits per minute. */
      readonly ratePerMinute: number;
      /** One bill, in credits. */
      readonly bill: number;
      /** The time one bill takes, in ms. */
      readonly periodMs: number;
      /** From `now` until the predicted stop. */
      readonly msToStop: number;
      /** The predicted stop (ms since the epoch)... */
      readonly stopAt: number;
      /** ...no earlier than this and no later than that. */
      readonly earliest: number;
      readonly latest: number;
    };

export interface IEstimateOptions {
  /** Only samples this recent count (ms); up to six hourly bills. */
  windowMs: number;
  /** Without a drop for this long, the balance is steady (ms). */
  steadyAfterMs: number;
  /** How far ahead grants are folded in (ms). */
  horizonMs: number;
}

export const DEFAULT_ESTIMATE: IEstimateOptions = {
  windowMs: 6 * 3600 * 1000,
  steadyAfterMs: 3600 * 1000,
  horizonMs: 30 * 24 * 3600 * 1000
};

/**
 * The predicted stop, or why there is none.
 *
 * @param grants - grants the hub states for what pays (none: rises are
 *   left out)
 */
export function estimate(
  samples: readonly IBalanceSample[],
  now: number,
  options: Partial<IEstimateOptions> = {},
  grants: readonly IGrantPlan[] = []
): Estimate {
  const { windowMs, steadyAfterMs, horizonMs } = {
    ...DEFAULT_ESTIMATE,
    ...options
  };
  const recent = samples.filter(s => s.t >= now - windowMs && s.t <= now);
  if (recent.length < 2) {
    return UNKNOWN;
  }
  const steps = Private.steps(recent, grants);
  const last = recent[recent.length - 1];
  if (steps.length < 2) {
    return last.t - recent[0].t >= steadyAfterMs && steps.length === 0
      ? STEADY
      : UNKNOWN;
  }
  const gap = Private.typicalGap(recent);
  const staircase = Private.staircase(steps, gap);
  const lastStep = steps[steps.length - 1];
  if (now - lastStep.t > Math.max(3 * staircase.periodMs, steadyAfterMs)) {
    // Bills stopped coming (the server is free now, or billed elsewhere).
    return STEADY;
  }
  const at = (periodMs: number, slack: number) =>
    Private.stopTime(
      last,
      lastStep.t + slack,
      staircase.bill,
      periodMs,
      grants,
      last.t + horizonMs
    );
  const stopAt = at(staircase.periodMs, 0);
  if (stopAt === null) {
    return STEADY;
  }
  // The steps are seen only at the samples: each could have come as early
  // as the sample before it.
  const earliest = at(staircase.shortestMs, -staircase.uncertaintyMs) ?? stopAt;
  // The stop lands on a task run: up to one sample gap later.
  const latest =
    (at(staircase.longestMs, 0) ?? stopAt) + staircase.uncertaintyMs + gap;
  return {
    kind: 'falling',
    ratePerMinute: (staircase.bill / staircase.periodMs) * 60000,
    bill: staircase.bill,
    periodMs: staircase.periodMs,
    msToStop: Math.max(0, stopAt - now),
    stopAt,
    earliest: Math.min(earliest, stopAt),
    latest: Math.max(latest, stopAt)
  };
}

/**
 * The estimate from the model's history and its latest entries (whose
 * grants, where the stream states them, are folded in).
 */
export function estimateFor(
  samples: readonly IBalanceSample[],
  now: number,
  entries: readonly ICreditEntry[]
): Estimate {
  return estimate(samples, now, {}, grantPlans(entries));
}

/**
 * The grants the hub states for what pays (the first entry and its
 * project), up to the caps of both.
 */
export function grantPlans(entries: readonly ICreditEntry[]): IGrantPlan[] {
  const paying = entries[0];
  if (!paying) {
    return [];
  }
  const cap = paying.cap + (paying.project?.cap ?? 0);
  return [paying.grant, paying.project?.grant ?? null]
    .filter(grant => grant !== null && grant.value > 0)
    .map(grant => ({
      value: grant!.value,
      intervalMs: grant!.interval * 1000,
      last: grant!.lastUpdate,
      cap
    }));
}

const UNKNOWN: Estimate = Object.freeze({ kind: 'unknown' });
const STEADY: Estimate = Object.freeze({ kind: 'steady' });

namespace Private {
  /**
   * A drop of what pays, seen at sample `t` (after the sample at `before`).
   */
  export interface IStep {
    readonly t: number;
    readonly before: number;
    readonly size: number;
  }

  /** Drops smaller than this are rounding, not bills. */
  const EPSILON = 1e-9;

  /**
   * The bills seen between samples. Where the hub states its grants, a
   * grant that landed between two samples is taken out first: a bill in
   * the same task run as a grant shows as a smaller drop, or as a rise.
   */
  export function steps(
    samples: readonly IBalanceSample[],
    grants: readonly IGrantPlan[] = []
  ): IStep[] {
    const result: IStep[] = [];
    for (let i = 1; i < samples.length; i++) {
      const before = samples[i - 1];
      const granted = grantedBetween(grants, before.t, samples[i].t);
      const size =
        (granted > 0
          ? Math.min(grants[0].cap, before.available + granted)
          : before.available) - samples[i].available;
      if (size > EPSILON) {
        result.push({ t: samples[i].t, before: before.t, size });
      }
    }
    return result;
  }

  /**
   * What the stated grants added in (from, to]: each lands on its grid
   * (`last` plus whole intervals).
   */
  export function grantedBetween(
    grants: readonly IGrantPlan[],
    from: number,
    to: number
  ): number {
    let granted = 0;
    for (const g of grants) {
      if (g.last !== null) {
        const landed =
          Math.floor((to - g.last) / g.intervalMs + 1e-9) -
          Math.floor((from - g.last) / g.intervalMs + 1e-9);
        granted += landed * g.value;
      }
    }
    return granted;
  }

  /**
   * The usual time between samples: the hub sends one after every task
   * run, so this is about its task interval.
   */
  export function typicalGap(samples: readonly IBalanceSample[]): number {
    const gaps = samples
      .slice(1)
      .map((s, i) => s.t - samples[i].t)
      .sort((a, b) => a - b);
    return gaps.length ? gaps[Math.floor(gaps.length / 2)] : 0;
  }

  /**
   * Bill size and period from the steps, with how far the period can be
   * off: a step is seen at the snapshot after the task run that billed, so
   * it is off only where snapshots were missed (a gap longer than usual).
   */
  export function staircase(
    steps: readonly IStep[],
    gap: number
  ): {
    bill: number;
    periodMs: number;
    shortestMs: number;
    longestMs: number;
    uncertaintyMs: number;
  } {
    let bill = Infinity;
    for (const step of steps) {
      bill = Math.min(bill, step.size);
    }
    // The first step's own bills came before the span: count the others.
    let paid = 0;
    for (const step of steps.slice(1)) {
      paid += step.size;
    }
    const first = steps[0];
    const last = steps[steps.length - 1];
    const span = Math.max(1, last.t - first.t);
    // The span is known to within the sample gap at each end.
    const uncertaintyMs = Math.max(
      0,
      ...steps.map(step => step.t - step.before - gap)
    );
    const bills = paid / bill;
    const periodMs = span / bills;
    return {
      bill,
      periodMs,
      shortestMs: Math.max(periodMs / 2, (span - uncertaintyMs) / bills),
      longestMs: (span + uncertaintyMs) / bills,
      uncertaintyMs
    };
  }

  /**
   * When the first bill that cannot be paid comes: bills every `periodMs`
   * after `lastBill`, grants as planned; `null` when none comes before
   * `horizon` (the grants pay for the bills).
   */
  export function stopTime(
    last: IBalanceSample,
    lastBill: number,
    bill: number,
    periodMs: number,
    grants: readonly IGrantPlan[],
    horizon: number
  ): number | null {
    let available = last.available;
    // The next bill: one period after the last, never before the last sample.
    let nextBill = Math.max(lastBill + periodMs, last.t);
    if (grants.length === 0) {
      // n bills can be paid; the one after them cannot.
      const payable = Math.floor(available / bill + 1e-9);
      const stop = nextBill + payable * periodMs;
      return stop <= horizon ? stop : null;
    }
    const nextGrant = grants.map(g =>
      g.last === null
        ? last.t + g.intervalMs
        : g.last +
          Math.ceil((last.t - g.last) / g.intervalMs + 1e-9) * g.intervalMs
    );
    // Walk the bills and grants in time order (bounded by the horizon).
    for (let guard = 0; guard < 100000 && nextBill <= horizon; guard++) {
      const g = nextGrant.indexOf(Math.min(...nextGrant));
      if (g >= 0 && nextGrant[g] < nextBill) {
        available = Math.min(grants[g].cap, available + grants[g].value);
        nextGrant[g] += grants[g].intervalMs;
        continue;
      }
      if (bill > available + 1e-9) {
        return nextBill;
      }
      available -= bill;
      nextBill += periodMs;
    }
    return null;
  }
}
