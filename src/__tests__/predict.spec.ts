import { estimate } from '../predict';
import type { IBalanceSample } from '../predict';

const MIN = 60000;

/**
 * Samples every `every` ms from t=0 to `until`, with available(t).
 */
function series(
  until: number,
  every: number,
  available: (t: number) => number
): IBalanceSample[] {
  const samples: IBalanceSample[] = [];
  for (let t = 0; t <= until; t += every) {
    samples.push({ t, available: available(t) });
  }
  return samples;
}

describe('estimate', () => {
  it('is unknown with too little history', () => {
    expect(estimate([], 0)).toEqual({ kind: 'unknown' });
    expect(estimate([{ t: 0, available: 10 }], 0)).toEqual({ kind: 'unknown' });
    // Two drops in 10 s: too short to tell.
    const short = series(10000, 5000, t => 100 - t / 5000);
    expect(estimate(short, 10000).kind).toBe('unknown');
  });

  it('reads step-wise billing: 1 credit per minute, sampled every 15 s', () => {
    // The hub bills 1 credit at each full minute; the page samples 4 per minute.
    const samples = series(10 * MIN, 15000, t => 50 - Math.floor(t / MIN));
    const result = estimate(samples, 10 * MIN);
    expect(result.kind).toBe('falling');
    if (result.kind === 'falling') {
      expect(result.ratePerMinute).toBeCloseTo(1, 1);
      // 40 left at 1 per minute.
      expect(result.msToEmpty / MIN).toBeGreaterThan(36);
      expect(result.msToEmpty / MIN).toBeLessThan(44);
    }
  });

  it('ignores a grant: the rate is the consumption, the estimate uses the new balance', () => {
    const samples = series(10 * MIN, 15000, t => {
      const used = Math.floor(t / MIN) * 2;
      const granted = t >= 5 * MIN ? 30 : 0;
      return 60 - used + granted;
    });
    const result = estimate(samples, 10 * MIN);
    expect(result.kind).toBe('falling');
    if (result.kind === 'falling') {
      // The bill charged in the same sample as the grant is hidden in the
      // net rise, so the rate reads a little low (18 of 20 credits seen).
      expect(result.ratePerMinute).toBeGreaterThan(1.6);
      expect(result.ratePerMinute).toBeLessThan(2.2);
      // 60 - 20 + 30 = 70 left at 2 per minute: about 35 min.
      expect(result.msToEmpty / MIN).toBeGreaterThan(30);
      expect(result.msToEmpty / MIN).toBeLessThan(45);
    }
  });

  it('a flat balance is steady (not decreasing)', () => {
    const samples = series(5 * MIN, 15000, () => 80);
    expect(estimate(samples, 5 * MIN)).toEqual({ kind: 'steady' });
  });

  it('a rising balance is steady', () => {
    const samples = series(5 * MIN, 15000, t => 10 + Math.floor(t / MIN) * 5);
    expect(estimate(samples, 5 * MIN)).toEqual({ kind: 'steady' });
  });

  it('noisy samples around a falling trend still give the trend', () => {
    let seed = 7;
    const noise = () => {
      seed = (seed * 16807) % 2147483647;
      return (seed / 2147483647 - 0.5) * 2; // -1 .. 1
    };
    const samples = series(10 * MIN, 10000, t => 500 - (t / MIN) * 3 + noise());
    const result = estimate(samples, 10 * MIN);
    expect(result.kind).toBe('falling');
    if (result.kind === 'falling') {
      // Drops include the noise's downs (rises are ignored), so the rate
      // leans high: pessimistic, never optimistic.
      expect(result.ratePerMinute).toBeGreaterThan(2.5);
      expect(result.ratePerMinute).toBeLessThan(8);
    }
  });

  it('counts down while no new sample arrives', () => {
    const samples = series(5 * MIN, 15000, t => 100 - Math.floor(t / MIN));
    const at5 = estimate(samples, 5 * MIN);
    const at7 = estimate(samples, 7 * MIN);
    expect(at5.kind === 'falling' && at7.kind === 'falling').toBe(true);
    if (at5.kind === 'falling' && at7.kind === 'falling') {
      expect(at5.msToEmpty - at7.msToEmpty).toBe(2 * MIN);
    }
  });

  it('only uses the recent window', () => {
    // Fast burn long ago, flat lately.
    const samples = [
      ...series(10 * MIN, 15000, t => 1000 - Math.floor(t / 15000) * 10),
      ...series(20 * MIN, 15000, () => 600).map(s => ({
        ...s,
        t: s.t + 11 * MIN
      }))
    ];
    expect(estimate(samples, 31 * MIN).kind).toBe('steady');
  });

  it('project-then-user billing: the sum of both is what runs out', () => {
    // Project 6 pays first at 1 per minute, then the user's 4.
    const samples = series(8 * MIN, 15000, t => {
      const used = Math.floor(t / MIN);
      const project = Math.max(0, 6 - used);
      const user = 4 - Math.max(0, used - 6);
      return project + user;
    });
    const result = estimate(samples, 8 * MIN);
    expect(result.kind).toBe('falling');
    if (result.kind === 'falling') {
      expect(result.msToEmpty / MIN).toBeGreaterThan(1);
      expect(result.msToEmpty / MIN).toBeLessThan(3);
    }
  });
});
