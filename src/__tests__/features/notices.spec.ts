import '../helpers/jsdom';
import { OWN_STOP_MS, forgetOwnStop, noteOwnStop } from '../../client/ownstop';
import { Notification } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';
import {
  CrossingTracker,
  LowBalanceNotifier,
  StopNotifier
} from '../../features/notices/notices';
import { CreditsModel, readonlyCredits } from '../../model/model';
import { connectionStatus } from '../../model/state';
import type { Level } from '../../model/levels';
import { feed, rawEntry } from '../helpers/documents';

const trans = nullTranslator.load('test');

function track(levels: Level[]) {
  const tracker = new CrossingTracker();
  return levels.map(level => tracker.update(level));
}

describe('CrossingTracker', () => {
  it('fires once per crossing, not on every event', () => {
    expect(track(['ok', 'ok', 'warning', 'warning', 'warning'])).toEqual([
      null,
      null,
      'warning',
      null,
      null
    ]);
  });

  it('fires for warning, then for critical', () => {
    expect(track(['warning', 'critical', 'critical'])).toEqual([
      'warning',
      'critical',
      null
    ]);
  });

  it('jumping straight to critical fires once', () => {
    expect(track(['ok', 'critical', 'warning'])).toEqual([
      null,
      'critical',
      null
    ]);
  });

  it('re-arms after a recovery', () => {
    expect(
      track(['warning', 'ok', 'warning', 'critical', 'warning', 'critical'])
    ).toEqual(['warning', null, 'warning', 'critical', null, 'critical']);
  });
});

describe('the notifiers', () => {
  let model: CreditsModel;
  const notices = () =>
    Notification.manager.notifications.map(n => `${n.type}: ${n.message}`);
  /** The server part's document: this balance, in this state. */
  const balance = (value: number, state = 'live') =>
    feed(model, { state, entries: [rawEntry(value)] });

  beforeEach(() => {
    Notification.dismiss();
    model = new CreditsModel();
    model.configure(
      { entries: [], warningPercent: 25, criticalPercent: 10 },
      null
    );
  });

  afterEach(() => Notification.dismiss());

  describe('LowBalanceNotifier', () => {
    let enabled: boolean;
    let shown: number;
    let muted: number;
    let notifier: LowBalanceNotifier;

    beforeEach(() => {
      enabled = true;
      shown = 0;
      muted = 0;
      notifier = new LowBalanceNotifier({
        model: readonlyCredits(model),
        trans,
        enabled: () => enabled,
        showDetails: () => shown++,
        mute: () => muted++
      });
    });

    afterEach(() => notifier.dispose());

    it('one notice per crossing, the worse replacing the milder', () => {
      balance(50);
      expect(notices()).toEqual([]);
      balance(20);
      balance(19);
      expect(notices()).toEqual(['warning: Your hub credits are running low.']);
      balance(5);
      expect(notices()).toEqual([
        'error: Your hub credits are almost used up. When they run out, the hub stops this server.'
      ]);
    });

    it('polled numbers are fresh: they notify too; stale ones do not', () => {
      // The server part lost the hub: its last numbers are stale.
      balance(20, 'reconnecting');
      expect(notices()).toEqual([]);
      // This page lost its server: the numbers it holds are stale too.
      model.setStatus(connectionStatus('disconnected', 1));
      expect(notices()).toEqual([]);
      balance(20, 'polling');
      expect(notices()).toEqual(['warning: Your hub credits are running low.']);
    });

    it('a recovery dismisses the notice and re-arms', () => {
      balance(20);
      balance(80);
      expect(notices()).toEqual([]);
      balance(20);
      expect(notices()).toHaveLength(1);
    });

    it('switched off: no notice, but crossings are still followed', () => {
      enabled = false;
      balance(20);
      expect(notices()).toEqual([]);
      enabled = true;
      balance(19);
      expect(notices()).toEqual([]);
    });

    it('the stop notice takes over: the low-balance notice goes', () => {
      balance(20);
      model.setStatus(connectionStatus('stopped', 1));
      expect(notices()).toEqual([]);
    });

    it('its actions show the details (after the click) and mute', async () => {
      balance(20);
      const [notice] = Notification.manager.notifications;
      const actions = notice.options.actions ?? [];
      expect(actions.map(a => a.label)).toEqual([
        'Show details',
        "Don't show again"
      ]);
      actions[0].callback(new MouseEvent('click'));
      expect(shown).toBe(0);
      await new Promise(resolve => setTimeout(resolve, 0));
      expect(shown).toBe(1);
      actions[1].callback(new MouseEvent('click'));
      expect(muted).toBe(1);
    });
  });

  describe('StopNotifier', () => {
    let unsaved: string[] | null;
    let notifier: StopNotifier;

    const create = () =>
      new StopNotifier({
        model: readonlyCredits(model),
        trans,
        openHubHome: () => undefined,
        unsavedDocuments: unsaved === null ? undefined : () => unsaved!
      });

    beforeEach(() => {
      unsaved = ['a.ipynb', 'b.py'];
      notifier = create();
    });

    afterEach(() => notifier.dispose());

    it('says once that the hub stopped the server, and what was lost', () => {
      balance(50);
      // The server part heard the hub's stop, then says it again.
      feed(model, { state: 'stopped', entries: [rawEntry(50)], seq: 2 });
      feed(model, { state: 'stopped', entries: [rawEntry(50)], seq: 3 });
      // This page then finds its server gone.
      model.setStatus(connectionStatus('stopped', 2));
      expect(notices()).toEqual([
        'error: The hub stopped this server: its credits ran out or it was stopped elsewhere. Unsaved changes in a.ipynb, b.py are lost. Start it again from the hub home page.'
      ]);
    });

    it('says so again after the server ran again and stopped again', () => {
      model.setStatus(connectionStatus('stopped', 1));
      model.setStatus(connectionStatus('live', 2));
      model.setStatus(connectionStatus('stopped', 3));
      expect(notices()).toHaveLength(2);
    });

    it('says everything was saved, or that unknown changes are lost', () => {
      unsaved = [];
      notifier.dispose();
      notifier = create();
      model.setStatus(connectionStatus('stopped', 1));
      expect(notices()[0]).toContain(
        'All documents were saved before the stop.'
      );
      Notification.dismiss();
      unsaved = null;
      notifier.dispose();
      notifier = create();
      model.setStatus(connectionStatus('live', 2));
      model.setStatus(connectionStatus('stopped', 3));
      expect(notices()[0]).toContain('Unsaved changes are lost.');
    });

    it('a stop the user asked for here: "you stopped it", as information', () => {
      noteOwnStop();
      balance(50);
      model.setStatus(connectionStatus('stopped', 1));
      expect(notices()).toEqual([
        'info: You stopped this server. Unsaved changes in a.ipynb, b.py are lost. Start it again from the hub home page.'
      ]);
      // Told once: after the server ran again, the next stop is the hub's.
      model.setStatus(connectionStatus('live', 2));
      model.setStatus(connectionStatus('stopped', 3));
      expect(notices()).toHaveLength(2);
      expect(
        notices().filter(n => n.startsWith('info: You stopped'))
      ).toHaveLength(1);
      expect(
        notices().filter(n =>
          n.startsWith('error: The hub stopped this server')
        )
      ).toHaveLength(1);
    });

    it("a stop asked for long ago, or forgotten, is the hub's", () => {
      noteOwnStop(Date.now() - OWN_STOP_MS - 1);
      model.setStatus(connectionStatus('stopped', 1));
      noteOwnStop();
      forgetOwnStop();
      model.setStatus(connectionStatus('live', 2));
      model.setStatus(connectionStatus('stopped', 3));
      expect(notices()).toHaveLength(2);
      for (const notice of notices()) {
        expect(notice).toMatch(/^error: The hub stopped this server/);
      }
    });

    /** The server part's estimate: `bill` credits every `periodMs`. */
    const falling = (bill: number, periodMs: number) => ({
      kind: 'falling',
      ratePerMinute: (bill * 60000) / periodMs,
      bill,
      periodMs,
      msToStop: 0,
      stopAt: 0,
      earliest: 0,
      latest: 0
    });

    it('the credits could not pay the next bill: says that, from the estimate', () => {
      const t = Date.now();
      balance(3);
      // The hub's stop, as the server part says it: its history ends at 3
      // credits and a bill is 5.
      feed(
        model,
        {
          state: 'stopped',
          since: (t + 1000) / 1000,
          entries: [rawEntry(3)],
          history: [[t / 1000, 3]],
          estimate: falling(5, 60000)
        },
        t + 1000
      );
      expect(notices()[0]).toMatch(
        /^error: The hub stopped this server: its credits could not pay the next bill\./
      );
    });

    it('a late credit task bills the periods it missed at once: still "could not pay"', () => {
      const t = Date.now();
      const known = (history: [number, number][]) =>
        feed(
          model,
          {
            entries: [rawEntry(history[history.length - 1][1])],
            history: history.map(([at, available]) => [at / 1000, available]),
            estimate: falling(1, 1000)
          },
          t
        );
      known([[t, 1]]);
      // One bill was due: 1 credit paid it, so someone else stopped it.
      model.setStatus(connectionStatus('stopped', t + 900));
      expect(notices()[0]).toMatch(/had not run out: it was stopped elsewhere/);
      Notification.dismiss();
      // The task ran 2 s late: 2 bills were due, 1 credit could not pay them.
      model.setStatus(connectionStatus('live', t + 1000));
      model.setStatus(connectionStatus('stopped', t + 2000));
      expect(notices()[0]).toMatch(/its credits could not pay the next bill/);
      Notification.dismiss();
      // Much more than any few bills: stopped elsewhere, however late.
      const later = t + 5000;
      known([
        [t, 1],
        [later, 50]
      ]);
      model.setStatus(connectionStatus('stopped', later + 60000));
      expect(notices()[0]).toMatch(/had not run out/);
    });
  });
});
