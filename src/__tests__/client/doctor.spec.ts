/**
 * The doctor's findings as the page reads them: only valid ones, bounded,
 * whatever the server part answers (fast-check, seeded).
 */
import * as fc from 'fast-check';
import { checkSetup, parseFindings } from '../../client/doctor';

const RUNS = { seed: 42, numRuns: 500 };

describe('parseFindings', () => {
  it('keeps valid findings and drops the rest', () => {
    expect(
      parseFindings({
        findings: [
          { level: 'ok', title: 'fine', fix: '' },
          { level: 'fail', title: 'broken' },
          { level: 'bad', title: 'x', fix: '' },
          { level: 'ok', title: 3 },
          null,
          'text'
        ]
      })
    ).toEqual([
      { level: 'ok', title: 'fine', fix: '' },
      { level: 'fail', title: 'broken', fix: '' }
    ]);
    expect(parseFindings(null)).toEqual([]);
    expect(parseFindings({ findings: {} })).toEqual([]);
  });

  it('never throws and returns only bounded, valid findings', () => {
    const finding = fc.record(
      {
        level: fc.oneof(fc.constantFrom('ok', 'warn', 'fail'), fc.string()),
        title: fc.oneof(fc.string({ maxLength: 2000 }), fc.jsonValue()),
        fix: fc.oneof(fc.string(), fc.jsonValue())
      },
      { requiredKeys: [] }
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.record({ findings: fc.array(fc.oneof(finding, fc.jsonValue())) })
        ),
        body => {
          const found = parseFindings(body);
          expect(found.length).toBeLessThanOrEqual(50);
          for (const f of found) {
            expect(['ok', 'warn', 'fail']).toContain(f.level);
            expect(typeof f.title).toBe('string');
            expect(f.title.length).toBeLessThanOrEqual(1000);
            expect(typeof f.fix).toBe('string');
          }
        }
      ),
      RUNS
    );
  });
});

describe('checkSetup', () => {
  it("asks the server part's doctor route and rejects a refusal", async () => {
    const asked: string[] = [];
    const fetch = async (path: string) => {
      asked.push(path);
      return path.includes('guest')
        ? new Response('{}', { status: 403 })
        : new Response(
            JSON.stringify({
              findings: [{ level: 'ok', title: 'fine', fix: '' }]
            })
          );
    };
    await expect(checkSetup(fetch, '/user/a/')).resolves.toEqual([
      { level: 'ok', title: 'fine', fix: '' }
    ]);
    await expect(checkSetup(fetch, '/user/guest/')).rejects.toThrow('HTTP 403');
    expect(asked).toEqual([
      '/user/a/hub-credits/doctor',
      '/user/guest/hub-credits/doctor'
    ]);
  });
});
