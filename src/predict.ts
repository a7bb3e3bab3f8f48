/**
 * How fast credits go and when they run out, from the balance history.
 *
 * The hub bills in steps (a fixed amount every billing interval) and grants
 * in jumps; the page sees a sample at every credit-task run. The estimate
 * ignores rises (grants, top-ups) and fits a straight line to the
 * cumulative consumption, so steps, flat periods and noise average out and
 * a grant never makes the estimate optimistic. With little history it says
 * "unknown" rather than guess.
 */

/**
 * One observation of the credits that pay for this server.
 */
export interface IBalanceSample {
  /** ms since the epoch */
  readonly t: number;
  /** What is left to pay with: the user's balance plus the project's. */
  readonly available: number;
}

export type Estimate =
  | { readonly kind: 'unknown' }
  | { readonly kind: 'steady' }
  | {
      readonly kind: 'falling';
      /** Credits per minute. */
      readonly ratePerMinute: number;
      /** From `now` until the balance reaches zero. */
      readonly msToEmpty: number;
    };

export interface IEstimateOptions {
  /** Only samples this recent count (ms). */
  windowMs: number;
  /** Need history spanning at least this long (ms). */
  minSpanMs: number;
  /** Need at least this many drops in the window. */
  minDrops: number;
}

export const DEFAULT_ESTIMATE: IEstimateOptions = {
  windowMs: 15 * 60 * 1000,
  minSpanMs: 20 * 1000,
  minDrops: 3
};

/**
 * The burn rate and time to empty, or why there is none.
 */
export function estimate(
  samples: readonly IBalanceSample[],
  now: number,
  options: Partial<IEstimateOptions> = {}
): Estimate {
  const { windowMs, minSpanMs, minDrops } = { ...DEFAULT_ESTIMATE, ...options };
  const recent = samples.filter(s => s.t >= now - windowMs && s.t <= now);
  if (recent.length < 2) {
    return { kind: 'unknown' };
  }
  const span = recent[recent.length - 1].t - recent[0].t;
  // Cumulative consumption: the sum of drops; rises are left out.
  const used: number[] = [0];
  let drops = 0;
  for (let i = 1; i < recent.length; i++) {
    const drop = recent[i - 1].available - recent[i].available;
    if (drop > 0) {
      drops++;
    }
    used.push(used[i - 1] + Math.max(0, drop));
  }
  if (span < minSpanMs) {
    return { kind: 'unknown' };
  }
  if (drops === 0) {
    return { kind: 'steady' };
  }
  if (drops < minDrops) {
    return { kind: 'unknown' };
  }
  const slope = Private.slope(
    recent.map(s => s.t),
    used
  );
  if (!(slope > 0)) {
    return { kind: 'steady' };
  }
  const last = recent[recent.length - 1];
  const msToEmpty = Math.max(0, last.available / slope - (now - last.t));
  return { kind: 'falling', ratePerMinute: slope * 60000, msToEmpty };
}

namespace Private {
  /**
   * Least-squares slope of y over x.
   */
  export function slope(x: readonly number[], y: readonly number[]): number {
    const n = x.length;
    const x0 = x[0];
    let sx = 0;
    let sy = 0;
    let sxx = 0;
    let sxy = 0;
    for (let i = 0; i < n; i++) {
      const xi = x[i] - x0;
      sx += xi;
      sy += y[i];
      sxx += xi * xi;
      sxy += xi * y[i];
    }
    const denominator = n * sxx - sx * sx;
    return denominator === 0 ? 0 : (n * sxy - sx * sy) / denominator;
  }
}
