import '../helpers/jsdom';
import { Notification } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';
import {
  GuardDecision,
  LeadTimeTrigger,
  shouldWarn
} from '../../features/guard/decision';
import type {
  IGuardInput,
  IGuardSettings
} from '../../features/guard/decision';
import { WorkGuard } from '../../features/guard/guard';
import { CreditsModel, readonlyCredits } from '../../model/model';
import { connectionStatus } from '../../model/state';
import { ManualClock, until } from '../helpers/clock';
import { feed } from '../helpers/documents';
import { saveDocuments } from '../../features/guard/saver';
import type { IOpenDocument } from '../../features/documents';
import type { Estimate } from '../../model/types';

const MIN = 60000;
const trans = nullTranslator.load('test');
/** A stop predicted `minutes` from now (at 0), known to the minute. */
const falling = (minutes: number): Estimate => ({
  kind: 'falling',
  ratePerMinute: 1,
  bill: 1,
  periodMs: MIN,
  msToStop: minutes * MIN,
  stopAt: minutes * MIN,
  earliest: minutes * MIN,
  latest: minutes * MIN
});

describe('LeadTimeTrigger', () => {
  it('fires once when the time to empty falls below the lead time', () => {
    const trigger = new LeadTimeTrigger(3 * MIN);
    const fired = [10, 5, 2.9, 2, 1, 0.5].map(m => trigger.update(falling(m)));
    expect(fired).toEqual([false, false, true, false, false, false]);
  });

  it('re-arms after a recovery (a grant), then fires again', () => {
    const trigger = new LeadTimeTrigger(3 * MIN);
    const series: Estimate[] = [
      falling(2),
      falling(1),
      falling(20), // topped up
      falling(2.5),
      { kind: 'steady' },
      falling(1)
    ];
    expect(series.map(e => trigger.update(e))).toEqual([
      true,
      false,
      false,
      true,
      false,
      true
    ]);
  });

  it('an unknown estimate neither fires nor re-arms', () => {
    const trigger = new LeadTimeTrigger(3 * MIN);
    expect(trigger.update(falling(1))).toBe(true);
    expect(trigger.update({ kind: 'unknown' })).toBe(false);
    expect(trigger.update(falling(1))).toBe(false);
  });
});

describe('shouldWarn', () => {
  it('warns within the lead time', () => {
    expect(shouldWarn(falling(8), 'ok', 10 * MIN)).toBe(true);
    expect(shouldWarn(falling(12), 'critical', 10 * MIN)).toBe(false);
  });

  it('without a prediction, warns only when critical', () => {
    expect(shouldWarn({ kind: 'unknown' }, 'critical', 10 * MIN)).toBe(true);
    expect(shouldWarn({ kind: 'unknown' }, 'warning', 10 * MIN)).toBe(false);
    expect(shouldWarn({ kind: 'steady' }, 'critical', 10 * MIN)).toBe(false);
  });
});

describe('saveDocuments', () => {
  function doc(path: string, over: Partial<IOpenDocument> = {}) {
    const saves: string[] = [];
    const document: IOpenDocument & { saves: string[] } = {
      path,
      dirty: true,
      writable: true,
      untitledAndEmpty: false,
      save: async () => {
        saves.push(path);
      },
      saves,
      ...over
    };
    return document;
  }

  it('saves dirty, writable, non-empty documents only', async () => {
    const docs = [
      doc('a.ipynb'),
      doc('clean.py', { dirty: false }),
      doc('readonly.md', { writable: false }),
      doc('Untitled.ipynb', { untitledAndEmpty: true }),
      doc('b.py')
    ];
    const report = await saveDocuments(docs);
    expect(report).toEqual({ saved: ['a.ipynb', 'b.py'], failed: [] });
    expect(docs.map(d => d.saves.length)).toEqual([1, 0, 0, 0, 1]);
  });

  it('reports a failed save and still saves the others, never throws', async () => {
    const report = await saveDocuments([
      doc('broken.ipynb', {
        save: () => Promise.reject(new Error('disk full'))
      }),
      doc('ok.py')
    ]);
    expect(report).toEqual({
      saved: ['ok.py'],
      failed: [{ path: 'broken.ipynb', reason: 'disk full' }]
    });
  });
});

const SETTINGS: IGuardSettings = {
  warn: true,
  warnLeadMs: 10 * MIN,
  autoSave: true,
  autoSaveLeadMs: 3 * MIN
};

const looking = (estimate: Estimate, over: Partial<IGuardInput> = {}) => ({
  state: 'live' as const,
  visible: true,
  level: 'ok' as const,
  estimate,
  ...over
});

describe('GuardDecision', () => {
  it('warns within the warning lead time, with when the credits run out', () => {
    const decision = new GuardDecision(new ManualClock());
    expect(decision.decide(looking(falling(12)), SETTINGS).warning).toBeNull();
    expect(decision.decide(looking(falling(8)), SETTINGS).warning).toEqual({
      kind: 'runs-out',
      msToStop: 8 * MIN,
      stopAt: 8 * MIN
    });
    expect(
      decision.decide(looking(falling(8)), { ...SETTINGS, warn: false }).warning
    ).toBeNull();
  });

  it('without a prediction, warns that the credits are almost used up when critical', () => {
    const decision = new GuardDecision(new ManualClock());
    const unknown: Estimate = { kind: 'unknown' };
    expect(
      decision.decide(looking(unknown, { level: 'critical' }), SETTINGS)
    ).toEqual({
      warning: { kind: 'almost-used-up' },
      save: null,
      dismissReport: false
    });
  });

  it('saves at the crossing, then the edits since every 15 s on the clock, not sooner', () => {
    const clock = new ManualClock();
    const decision = new GuardDecision(clock);
    const saves: (string | null)[] = [];
    const look = (minutes: number) =>
      saves.push(decision.decide(looking(falling(minutes)), SETTINGS).save);
    look(5);
    // The crossing comes a check interval early: 3 min lead + 15 s.
    look(3.2);
    clock.advance(14999);
    look(3);
    clock.advance(1);
    look(2.9);
    clock.advance(15000);
    look(2.5);
    expect(saves).toEqual([null, 'crossing', null, 'edits', 'edits']);
  });

  it('follows the estimate while saving is off: no crossing saved late', () => {
    const clock = new ManualClock();
    const decision = new GuardDecision(clock);
    const off = { ...SETTINGS, autoSave: false };
    expect(decision.decide(looking(falling(2)), off).save).toBeNull();
    // Turned on past the crossing: the edits are saved, as edits.
    expect(decision.decide(looking(falling(2)), SETTINGS).save).toBe('edits');
  });

  it('a stopped or hidden server: no warning, no save, the save report goes', () => {
    const decision = new GuardDecision(new ManualClock());
    const quiet = { warning: null, save: null, dismissReport: true };
    expect(
      decision.decide(looking(falling(1), { state: 'stopped' }), SETTINGS)
    ).toEqual(quiet);
    expect(
      decision.decide(looking(falling(1), { visible: false }), SETTINGS)
    ).toEqual(quiet);
  });
});

describe('WorkGuard', () => {
  let clock: ManualClock;
  let model: CreditsModel;
  let guard: WorkGuard;
  let saved: string[];
  let dirty: boolean;

  const notices = () =>
    Notification.manager.notifications.map(n => `${n.type}: ${n.message}`);

  /**
   * The server part predicts the stop `minutes` from now (its clock is the
   * page's); the model counts down from there.
   */
  const predict = (minutes: number, state = 'live') => {
    const stopAt = clock.now() + minutes * MIN;
    feed(
      model,
      {
        state,
        estimate: {
          kind: 'falling',
          ratePerMinute: 1,
          bill: 1,
          periodMs: MIN,
          msToStop: minutes * MIN,
          stopAt,
          earliest: stopAt,
          latest: stopAt
        }
      },
      clock.now()
    );
  };

  beforeEach(() => {
    Notification.dismiss();
    clock = new ManualClock();
    model = new CreditsModel({ now: () => clock.now() });
    model.configure(
      { entries: [], warningPercent: 25, criticalPercent: 10 },
      null
    );
    predict(60);
    saved = [];
    dirty = true;
    guard = new WorkGuard({
      model: readonlyCredits(model),
      trans,
      settings: () => SETTINGS,
      documents: () => [
        {
          path: 'work.ipynb',
          dirty,
          writable: true,
          untitledAndEmpty: false,
          save: async () => {
            saved.push('work.ipynb');
          }
        }
      ],
      saveAll: async () => undefined,
      openHubHome: () => undefined,
      clock
    });
  });

  afterEach(() => {
    guard.dispose();
    Notification.dismiss();
  });

  it('looks again every 15 s on its clock: the warning comes as the estimate counts down', () => {
    // The stop 10 min 10 s away: outside the 10 min lead, for 10 s.
    predict(10 + 10 / 60);
    guard.check();
    expect(notices()).toEqual([]);
    // No new document: the model's estimate counts down by itself.
    clock.advance(14999);
    expect(notices()).toEqual([]);
    clock.advance(1);
    expect(notices()).toEqual([
      expect.stringMatching(/^warning: Credits run out in about 9 min/)
    ]);
  });

  it('keeps one warning, updated in place, and saves at the crossing once', async () => {
    predict(8);
    guard.check();
    predict(2);
    await until(() => notices().length === 2);
    const warnings = notices().filter(n => n.startsWith('warning'));
    expect(warnings).toEqual([
      expect.stringMatching(/^warning: Credits run out in about 2 min/)
    ]);
    expect(saved).toEqual(['work.ipynb']);
    expect(notices()).toContain(
      'info: Credits are running out: saved work.ipynb.'
    );
    expect(guard.lastSave).toEqual({
      saved: ['work.ipynb'],
      failed: [],
      at: clock.now()
    });
  });

  it('the stop takes over: warning and save report dismissed', async () => {
    predict(2);
    guard.check();
    await until(() => notices().length === 2);
    predict(2, 'stopped');
    expect(notices()).toEqual([]);
  });

  it('stops looking once disposed', () => {
    guard.dispose();
    expect(clock.pending).toBe(0);
    predict(1);
    clock.advance(60000);
    model.setStatus(connectionStatus('live', 3));
    expect(notices()).toEqual([]);
    expect(saved).toEqual([]);
  });
});
