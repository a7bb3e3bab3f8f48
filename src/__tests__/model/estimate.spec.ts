/**
 * The step-aware estimate against a reference simulation of the hub's
 * billing rule: for billing intervals from 2 s to an hour, once two steps
 * are seen the predicted stop is within one task interval of the simulated
 * stop, and the automatic save comes at least its lead time before it.
 */
import fc from 'fast-check';
import {
  LeadTimeTrigger,
  msToEarliestStop
} from '../../features/guard/decision';
import { estimate } from '../../model/estimate';
import type { Estimate, IBalanceSample } from '../../model/estimate';
import { simulate } from '../helpers/billing';
import type { IHubSimulation } from '../helpers/billing';

const MIN = 60000;

/**
 * The estimate at each moment the guard looks (every sample, and every
 * 15 s between them), with the samples the page had by then.
 */
function* replay(
  samples: readonly IBalanceSample[],
  stopAt: number,
  options: { grants?: Parameters<typeof estimate>[3] } = {}
): Generator<{ now: number; seen: number; result: Estimate }> {
  let seen = 0;
  for (let now = samples[0].t; now < stopAt; now += 15000) {
    while (seen < samples.length && samples[seen].t <= now) {
      seen++;
    }
    yield {
      now,
      seen,
      result: estimate(samples.slice(0, seen), now, {}, options.grants)
    };
  }
}

function stepsIn(samples: readonly IBalanceSample[]): number {
  let steps = 0;
  for (let i = 1; i < samples.length; i++) {
    steps += samples[i].available < samples[i - 1].available ? 1 : 0;
  }
  return steps;
}

const SETUPS: [string, IHubSimulation][] = [
  [
    '1 credit every 2 s, task every second',
    {
      taskS: 1,
      billingIntervalS: 2,
      billingValue: 1,
      user: 40,
      userCap: 100,
      project: 20,
      projectCap: 60
    }
  ],
  [
    '5 credits every 60 s, task every 5 s',
    {
      taskS: 5,
      billingIntervalS: 60,
      billingValue: 5,
      user: 30,
      userCap: 100,
      project: 25,
      projectCap: 60
    }
  ],
  [
    'the defaults: 10 credits every 600 s, task every 60 s',
    {
      taskS: 60,
      billingIntervalS: 600,
      billingValue: 10,
      user: 55,
      userCap: 100,
      project: 30,
      projectCap: 60
    }
  ],
  [
    '10 credits every hour, task every 60 s',
    {
      taskS: 60,
      billingIntervalS: 3600,
      billingValue: 10,
      user: 45,
      userCap: 100,
      project: 0,
      projectCap: 60
    }
  ]
];

describe('estimate against the hub rule', () => {
  it.each(SETUPS)(
    '%s: within one task interval of the stop from the second step on',
    (_name, sim) => {
      const { samples, stopAt } = simulate(sim);
      expect(stopAt).not.toBeNull();
      let checked = 0;
      for (const { seen, result } of replay(samples, stopAt!)) {
        if (stepsIn(samples.slice(0, seen)) < 2) {
          continue;
        }
        expect(result.kind).toBe('falling');
        if (result.kind === 'falling') {
          expect(Math.abs(result.stopAt - stopAt!)).toBeLessThanOrEqual(
            sim.taskS * 1000
          );
          // The stop lies in the range the estimate gives.
          expect(result.earliest).toBeLessThanOrEqual(stopAt!);
          expect(result.latest + sim.taskS * 1000).toBeGreaterThanOrEqual(
            stopAt!
          );
          expect(result.bill).toBe(sim.billingValue);
        }
        checked++;
      }
      expect(checked).toBeGreaterThan(2);
    }
  );

  it.each(SETUPS)(
    '%s: the automatic save comes at least 3 min before the stop where the history allows',
    (_name, sim) => {
      const lead = 3 * MIN;
      const { samples, stopAt } = simulate(sim);
      const trigger = new LeadTimeTrigger(lead);
      let firedAt: number | null = null;
      let knownAt: number | null = null;
      for (const { now, result } of replay(samples, stopAt!)) {
        if (result.kind === 'falling' && knownAt === null) {
          knownAt = now;
        }
        if (trigger.update(result) && firedAt === null) {
          firedAt = now;
        }
      }
      expect(firedAt).not.toBeNull();
      if (knownAt! <= stopAt! - lead - 15000) {
        expect(firedAt!).toBeLessThanOrEqual(stopAt! - lead);
      } else {
        // Known only inside the lead time: saved at once.
        expect(firedAt).toBe(knownAt);
      }
    }
  );

  it('two servers on one entry: the stop lies in the range', () => {
    const sim: IHubSimulation = {
      taskS: 5,
      billingIntervalS: 60,
      billingValue: 5,
      user: 33,
      userCap: 100,
      project: 20,
      projectCap: 60,
      servers: 2
    };
    const { samples, stopAt } = simulate(sim);
    for (const { seen, result } of replay(samples, stopAt!)) {
      if (stepsIn(samples.slice(0, seen)) < 2) {
        continue;
      }
      expect(result.kind).toBe('falling');
      if (result.kind === 'falling') {
        expect(result.earliest - sim.taskS * 1000).toBeLessThanOrEqual(stopAt!);
        expect(result.latest + 60000 + sim.taskS * 1000).toBeGreaterThanOrEqual(
          stopAt!
        );
      }
    }
  });

  it('folds in the grants the per-user stream states', () => {
    const sim: IHubSimulation = {
      taskS: 5,
      billingIntervalS: 60,
      billingValue: 10,
      user: 60,
      userCap: 100,
      project: 0,
      projectCap: 0,
      userGrant: { value: 5, intervalS: 120 }
    };
    const { samples, stopAt, grants } = simulate(sim);
    let checked = 0;
    for (const { seen, result } of replay(samples, stopAt!, { grants })) {
      if (stepsIn(samples.slice(0, seen)) < 2) {
        continue;
      }
      expect(result.kind).toBe('falling');
      if (result.kind === 'falling') {
        expect(Math.abs(result.stopAt - stopAt!)).toBeLessThanOrEqual(
          sim.taskS * 1000 + 60000
        );
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(2);
  });

  it('grants that pay for every bill: no stop predicted', () => {
    const sim: IHubSimulation = {
      taskS: 5,
      billingIntervalS: 60,
      billingValue: 5,
      user: 50,
      userCap: 100,
      project: 0,
      projectCap: 0,
      userGrant: { value: 10, intervalS: 60 },
      untilS: 3600
    };
    const { samples, grants } = simulate(sim);
    expect(estimate(samples, 3600000, {}, grants).kind).not.toBe('falling');
  });
});

describe('estimate on other hub setups', () => {
  it.each<[string, IHubSimulation]>([
    [
      'a late first bill the page did not see',
      {
        taskS: 5,
        billingIntervalS: 60,
        billingValue: 5,
        user: 30,
        userCap: 100,
        project: 25,
        projectCap: 60,
        readyS: 27,
        seenFromS: 40
      }
    ],
    [
      'a daily grant synced to 07:00 (0.4), stated with the list',
      {
        taskS: 60,
        billingIntervalS: 3600,
        billingValue: 10,
        user: 45,
        userCap: 100,
        project: 0,
        projectCap: 0,
        startS: 4 * 3600,
        grantSyncS: 7 * 3600,
        userGrant: { value: 30, intervalS: 24 * 3600 }
      }
    ]
  ])('%s: the stop lies in the range from the second step on', (_name, sim) => {
    const { samples, grantsSeen, stopAt } = simulate(sim);
    expect(stopAt).not.toBeNull();
    let checked = 0;
    for (let seen = 2; seen <= samples.length; seen++) {
      const shown = samples.slice(0, seen);
      if (stepsIn(shown) < 2) {
        continue;
      }
      const result = estimate(
        shown,
        shown[seen - 1].t,
        {},
        grantsSeen[seen - 1]
      );
      expect(result.kind).toBe('falling');
      if (result.kind === 'falling') {
        expect(result.earliest).toBeLessThanOrEqual(stopAt!);
        expect(result.latest + sim.taskS * 1000).toBeGreaterThanOrEqual(
          stopAt!
        );
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(2);
  });

  it('whatever the staircase: the range holds the stop, never in the past', () => {
    // tests/test_estimate.py holds the same property for the Python side.
    const staircase = fc
      .array(
        fc.tuple(
          fc.integer({ min: 1, max: 600 }),
          fc.integer({ min: 0, max: 3 })
        ),
        { minLength: 2, maxLength: 60 }
      )
      .map(gaps => {
        let t = 0;
        let available = 1000;
        return gaps.map(([gap, drops]) => {
          t += gap * 1000;
          available -= drops * 5;
          return { t, available };
        });
      });
    fc.assert(
      fc.property(
        staircase,
        fc.integer({ min: 0, max: 600000 }),
        (samples, later) => {
          const result = estimate(
            samples,
            samples[samples.length - 1].t + later
          );
          if (result.kind === 'falling') {
            expect(result.earliest).toBeLessThanOrEqual(result.stopAt);
            expect(result.stopAt).toBeLessThanOrEqual(result.latest);
            expect(result.stopAt).toBeGreaterThanOrEqual(
              samples[samples.length - 1].t
            );
            expect(result.msToStop).toBeGreaterThanOrEqual(0);
            expect(result.bill).toBeGreaterThan(0);
          }
        }
      ),
      { seed: 20261201, numRuns: 500 }
    );
  });
});

describe('estimate', () => {
  it('is unknown with too little history, and from the second step on known', () => {
    expect(estimate([], 0)).toEqual({ kind: 'unknown' });
    expect(estimate([{ t: 0, available: 10 }], 0)).toEqual({ kind: 'unknown' });
    const one = [
      { t: 0, available: 100 },
      { t: 60000, available: 90 }
    ];
    expect(estimate(one, 60000).kind).toBe('unknown');
    const two = [...one, { t: 660000, available: 80 }];
    const result = estimate(two, 660000);
    expect(result.kind).toBe('falling');
    if (result.kind === 'falling') {
      // 80 left: 8 bills of 10 pay, the 9th does not: 9 x 10 min on.
      expect(result.stopAt).toBe(660000 + 9 * 600000);
      expect(result.ratePerMinute).toBeCloseTo(1, 5);
      expect(msToEarliestStop(result)).toBeLessThanOrEqual(result.msToStop);
    }
  });

  it('a bill at every task run: the earliest stop is near the stop, not now', () => {
    // Seen in a real hub (1 credit a second, a task every second): a range
    // as wide as the sample gap made the earliest stop "now", and the guard
    // saved at once, before the user typed.
    const samples = [0, 1000, 2000].map((t, i) => ({ t, available: 1100 - i }));
    const result = estimate(samples, 2000);
    expect(result.kind).toBe('falling');
    if (result.kind === 'falling') {
      expect(result.stopAt).toBe(2000 + 1099 * 1000);
      expect(result.stopAt - result.earliest).toBeLessThan(2000);
    }
  });

  it('stops before zero: less than one bill left is a stop at the next bill', () => {
    const samples = [
      { t: 0, available: 25 },
      { t: 10000, available: 15 },
      { t: 20000, available: 5 }
    ];
    const result = estimate(samples, 20000);
    expect(result.kind === 'falling' && result.stopAt).toBe(30000);
  });

  it('is steady after an hour without a bill', () => {
    const flat = [
      { t: 0, available: 50 },
      { t: 3600000, available: 50 }
    ];
    expect(estimate(flat, 3600000).kind).toBe('steady');
    expect(
      estimate(flat.slice(0, 1).concat({ t: 600000, available: 50 }), 600000)
        .kind
    ).toBe('unknown');
  });
});
