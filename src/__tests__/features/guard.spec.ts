import { LeadTimeTrigger, shouldWarn } from '../../features/guard/decision';
import { saveDocuments } from '../../features/guard/saver';
import type { IOpenDocument } from '../../features/documents';
import type { Estimate } from '../../model/estimate';

const MIN = 60000;
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
