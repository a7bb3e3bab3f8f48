/**
 * The model shows what the server part said last, and what only the page
 * sees on top of it.
 */
import { CreditsModel } from '../../model/model';
import { connectionStatus } from '../../model/state';
import { HUB } from '../helpers/fixtures';
import { feed, rawEntry } from '../helpers/documents';

const MIN = 60_000;

function setUp(now = 1_000_000) {
  const clock = { t: now };
  const model = new CreditsModel({ now: () => clock.t });
  model.configure(
    { entries: [], warningPercent: 25, criticalPercent: 10 },
    HUB
  );
  let changes = 0;
  model.stateChanged.connect(() => changes++);
  return { clock, model, changes: () => changes };
}

describe('CreditsModel', () => {
  it('starts connecting, with nothing to show', () => {
    const { model } = setUp();
    expect(model.state).toBe('connecting');
    expect(model.entries).toEqual([]);
    expect(model.lastUpdate).toBeNull();
    expect(model.canStop).toBe(false);
    expect(model.estimate()).toEqual({ kind: 'unknown' });
  });

  it("takes state, numbers and the stop's words from a document, and signals", () => {
    const { clock, model, changes } = setUp();
    feed(
      model,
      {
        state: 'stopped',
        reason: 'credits ran out',
        since: clock.t / 1000 - 5,
        failures: 0,
        entries: [rawEntry(0, 100, { name: 'default' })],
        stop_message: 'Your credits ran out.',
        history: [[clock.t / 1000 - 60, 1]],
        can_stop: true
      },
      clock.t
    );
    expect(changes()).toBe(1);
    expect(model.status).toEqual(
      connectionStatus('stopped', clock.t - 5000, {
        reason: 'credits ran out'
      })
    );
    expect(model.entries.map(e => e.name)).toEqual(['default']);
    expect(model.stopMessage).toBe('Your credits ran out.');
    expect(model.history).toEqual([{ t: clock.t - MIN, available: 1 }]);
    expect(model.lastUpdate).toBe(clock.t);
    expect(model.canStop).toBe(true);
  });

  it("a state only the page sees keeps the server part's numbers", () => {
    const { model } = setUp();
    feed(model, { entries: [rawEntry(50)] });
    expect(model.level).toBe('ok');
    model.setStatus(connectionStatus('disconnected', 1, { failures: 1 }));
    expect(model.state).toBe('disconnected');
    expect(model.entries.map(e => e.balance)).toEqual([50]);
    // Stale numbers never warn.
    feed(model, { entries: [rawEntry(5)] });
    expect(model.level).toBe('critical');
    model.setStatus(connectionStatus('offline', 2));
    expect(model.level).toBe('ok');
  });

  it('counts the predicted stop down on its clock between documents', () => {
    const { clock, model } = setUp();
    const stopAt = clock.t + 10 * MIN;
    feed(
      model,
      {
        estimate: {
          kind: 'falling',
          ratePerMinute: 1,
          bill: 1,
          periodMs: MIN,
          msToStop: 10 * MIN,
          stopAt,
          earliest: stopAt - MIN,
          latest: stopAt + MIN
        }
      },
      clock.t
    );
    expect(model.estimate()).toMatchObject({ msToStop: 10 * MIN, stopAt });
    clock.t += 4 * MIN;
    expect(model.estimate()).toMatchObject({ msToStop: 6 * MIN, stopAt });
    expect(model.estimate(stopAt + MIN)).toMatchObject({ msToStop: 0 });
  });

  it('shows only the chosen entries, at the chosen thresholds', () => {
    const { model } = setUp();
    feed(model, {
      entries: [
        rawEntry(5, 100, { name: 'a' }),
        rawEntry(90, 100, { name: 'b' })
      ]
    });
    expect(model.level).toBe('critical');
    model.configure(
      { entries: ['b'], warningPercent: 25, criticalPercent: 10 },
      HUB
    );
    expect(model.shown.map(e => e.name)).toEqual(['b']);
    expect(model.level).toBe('ok');
  });

  it('is hidden while unavailable or turned off', () => {
    const { model } = setUp();
    expect(model.visible).toBe(true);
    feed(model, { state: 'unavailable' });
    expect(model.visible).toBe(false);
    model.setStatus(connectionStatus('disabled', 0));
    expect(model.visible).toBe(false);
    model.setStatus(connectionStatus('noextension', 0));
    expect(model.visible).toBe(true);
  });
});
