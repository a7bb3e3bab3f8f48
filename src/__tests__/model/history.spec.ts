/**
 * The balance history across reloads and tabs (localStorage), and what the
 * stopped notice makes of it.
 */
import '../helpers/jsdom';
import { nullTranslator } from '@jupyterlab/translation';
import { statusText } from '../../views/format';
import { HistoryStore } from '../../model/history';
import type { IStorage } from '../../model/history';
import { CreditsModel, readonlyCredits } from '../../model/model';
import { stopCause } from '../../features/notices/notices';
import { estimateFor } from '../../model/estimate';
import { HUB as hub } from '../helpers/fixtures';

const trans = nullTranslator.load('test');
const HOUR = 3600000;

class MemoryStorage implements IStorage {
  items = new Map<string, string>();
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.items.set(key, value);
  }
}

describe('HistoryStore', () => {
  it('keeps samples and the last snapshot across a reload', () => {
    const storage = new MemoryStorage();
    const samples = [
      { t: 1000, available: 90 },
      { t: 2000, available: 80 }
    ];
    new HistoryStore({ storage, hub }).save(
      samples,
      '{"balance": 80, "cap": 100}',
      3000
    );
    const loaded = new HistoryStore({ storage, hub }).load(3000);
    expect(loaded?.samples).toEqual(samples);
    expect(loaded?.entries?.[0].balance).toBe(80);
  });

  it('is bounded by count and age', () => {
    const storage = new MemoryStorage();
    const store = new HistoryStore({
      storage,
      hub,
      maxSamples: 10,
      maxAgeMs: HOUR
    });
    const samples = Array.from({ length: 100 }, (_, i) => ({
      t: i * 60000,
      available: 100 - i
    }));
    store.save(samples, null, 100 * 60000);
    const loaded = store.load(100 * 60000)!;
    expect(loaded.samples).toHaveLength(10);
    expect(loaded.samples[0].t).toBe(90 * 60000);
    // A day later nothing is left.
    expect(store.load(100 * 60000 + 25 * HOUR)).toBeNull();
  });

  it('one store per hub, user and server', () => {
    expect(HistoryStore.key(hub)).not.toBe(
      HistoryStore.key({ ...hub, serverName: 'gpu' })
    );
    expect(HistoryStore.key(hub)).not.toBe(
      HistoryStore.key({ ...hub, user: 'bob' })
    );
  });

  it('reads what any script of the origin may have written as untrusted', () => {
    const storage = new MemoryStorage();
    const store = new HistoryStore({ storage, hub });
    for (const junk of [
      'not json',
      'null',
      '42',
      JSON.stringify({ samples: 'x', data: 5 }),
      JSON.stringify({
        samples: [[1, -5], [NaN, 1], [2], 'x'],
        data: '{"balance": "1"}'
      })
    ]) {
      storage.setItem(HistoryStore.key(hub), junk);
      expect(store.load(10)).toBeNull();
    }
    // Out of order: only the ordered part is kept.
    storage.setItem(
      HistoryStore.key(hub),
      JSON.stringify({
        samples: [
          [5, 1],
          [3, 2],
          [6, 3]
        ],
        data: null
      })
    );
    expect(store.load(10)?.samples.map(s => s.t)).toEqual([5, 6]);
  });

  it('a full storage loses the history, nothing else', () => {
    const storage: IStorage = {
      getItem: () => null,
      setItem: () => {
        throw new DOMException('full', 'QuotaExceededError');
      }
    };
    expect(() =>
      new HistoryStore({ storage, hub }).save([{ t: 1, available: 1 }], null, 2)
    ).not.toThrow();
  });
});

describe('a restored history', () => {
  it('paints the last known balance as not live yet, and has the estimate at once', () => {
    const model = new CreditsModel({
      now: () => 25 * 60000,
      log: () => undefined
    });
    model.setEstimator(estimateFor);
    model.restore(
      [
        { t: 0, available: 100 },
        { t: 60000, available: 90 },
        { t: 11 * 60000, available: 80 },
        { t: 21 * 60000, available: 70 }
      ],
      [{ name: null, balance: 70, cap: 100, grant: null, project: null }],
      '{"balance": 70, "cap": 100}'
    );
    expect(model.state).toBe('connecting');
    expect(
      statusText(trans, model.status, model.shown, {
        label: 'Credits',
        show: 'both',
        format: 'fraction'
      })
    ).toBe('Credits: 70 / 100 (not live yet)');
    expect(model.estimate().kind).toBe('falling');
  });

  it('never replaces live data', () => {
    const model = new CreditsModel({ log: () => undefined });
    model.applyEvent({
      kind: 'snapshot',
      entries: [{ name: null, balance: 5, cap: 10, grant: null, project: null }]
    });
    model.restore([{ t: 0, available: 99 }], null, null);
    expect(model.history.map(s => s.available)).toEqual([5]);
  });
});

describe('the stopped notice', () => {
  function stoppedAfter(last: number) {
    const model = new CreditsModel({
      now: () => 30 * 60000,
      log: () => undefined
    });
    model.setEstimator(estimateFor);
    model.restore(
      [
        { t: 0, available: 40 },
        { t: 10 * 60000, available: 30 },
        { t: 20 * 60000, available: last }
      ],
      null,
      null
    );
    return readonlyCredits(model);
  }

  it('says the credits ran out only when the last balance could not pay a bill', () => {
    expect(stopCause(trans, stoppedAfter(5))).toMatch(
      /could not pay the next bill/
    );
    expect(stopCause(trans, stoppedAfter(20))).toMatch(
      /had not run out: it was stopped elsewhere/
    );
  });
});
