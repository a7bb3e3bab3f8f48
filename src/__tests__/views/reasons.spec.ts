/**
 * The reasons reach the reader through one table of codes: every code of
 * `reasons.json` worded with the same English, nested reasons too, the
 * page's own reasons coded; text without a code as it came.
 */
import { Gettext, nullTranslator } from '@jupyterlab/translation';
import type { TranslationBundle } from '@jupyterlab/translation';
import fc from 'fast-check';
import { CreditsClient } from '../../client/client';
import { parseState } from '../../client/document';
import { CreditsModel } from '../../model/model';
import { connectionStatus, pageReasons } from '../../model/state';
import type { IReason } from '../../model/state';
import templates from '../../reasons.json';
import { REASONS, translateStatus, words } from '../../views/reasons';
import { ManualClock } from '../helpers/clock';
import { FakePage, FakeServer, answer, flush } from '../helpers/server';

const identity = nullTranslator.load('test');

/**
 * A translator that marks what it translated: «words».
 */
const marking = {
  __: (msgid: string, ...args: unknown[]) =>
    `«${Gettext.strfmt(msgid, ...args)}»`
} as unknown as TranslationBundle;

/**
 * The English of a reason as the server part writes it (protocol.py).
 */
function english(why: IReason | string): string {
  if (typeof why === 'string') {
    return why;
  }
  return templates[why.code as keyof typeof templates].replace(
    /%(\d)/g,
    (found, n: string) =>
      Number(n) <= why.parts.length ? english(why.parts[Number(n) - 1]) : found
  );
}

const codes = Object.keys(templates) as (keyof typeof templates)[];

describe('the table of reasons', () => {
  it('words every code of reasons.json, with the same English', () => {
    expect(Object.keys(REASONS).sort()).toEqual([...codes].sort());
    for (const code of codes) {
      const parts = (templates[code].match(/%\d/g) ?? []).map(() => '%1');
      expect(REASONS[code](identity, ...parts)).toBe(templates[code]);
    }
  });

  it("the page's own English is reasons.json's", () => {
    for (const [code, template] of Object.entries(pageReasons)) {
      expect(templates[code as keyof typeof templates]).toBe(template);
    }
  });

  it('any reason the server part writes reads, untranslated, as its English', () => {
    const reason: fc.Memo<IReason> = fc.memo(depth =>
      fc.constantFrom(...codes).chain(code => {
        const count = (templates[code].match(/%\d/g) ?? []).length;
        const part =
          depth > 1
            ? fc.oneof(fc.string({ maxLength: 20 }), reason(depth - 1))
            : fc.string({ maxLength: 20 });
        return fc
          .array(part, { minLength: count, maxLength: count })
          .map(parts => ({ code, parts }));
      })
    );
    fc.assert(
      fc.property(reason(3), why => {
        // Through the state document, as the page reads it.
        const document = parseState(
          { state: 'reconnecting', reason: english(why), why },
          0
        );
        expect(document?.why).toEqual(why);
        expect(words(identity, document!.why!)).toBe(english(why));
      }),
      { seed: 42, numRuns: 300 }
    );
  });

  it('translates a reason inside a reason', () => {
    const why = {
      code: 'checking_again',
      parts: [{ code: 'hub_refused', parts: ['403'] }]
    };
    expect(words(marking, why)).toBe(
      '««the hub refused access (HTTP 403)» (checking again)»'
    );
    // A percent sign in a part is never read as a placeholder.
    expect(
      words(marking, { code: 'network_error', parts: ['bad %20 url %1'] })
    ).toBe('«network error: bad %20 url %1»');
  });

  it('knows no code from elsewhere (a newer server part): its English shows', () => {
    expect(words(marking, { code: 'from_the_future', parts: [] })).toBeNull();
    expect(
      words(marking, {
        code: 'checking_again',
        parts: [{ code: 'from_the_future', parts: [] }]
      })
    ).toBeNull();
    const status = connectionStatus('reconnecting', 0, {
      reason: 'something new',
      why: { code: 'from_the_future', parts: [] }
    });
    expect(translateStatus(marking, status)).toBe(status);
  });
});

describe('translateStatus', () => {
  it("keeps the status when there is nothing to translate (the hub's own words)", () => {
    const status = connectionStatus('live', 0);
    expect(translateStatus(marking, status)).toBe(status);
    const hub = connectionStatus('stopped', 0, {
      reason: 'Server maintenance at 14:00'
    });
    expect(translateStatus(marking, hub)).toBe(hub);
  });

  it('returns a frozen status with the translated reason', () => {
    const status = connectionStatus('reconnecting', 5, {
      reason: 'the hub went silent',
      why: { code: 'hub_silent', parts: [] },
      failures: 2
    });
    const shown = translateStatus(marking, status);
    expect(shown).toEqual({ ...status, reason: '«the hub went silent»' });
    expect(Object.isFrozen(shown)).toBe(true);
  });

  it("every reason the client writes has a code (the browser's words a part)", async () => {
    const STATE = '/base/hub-credits/state';
    const failure = new TypeError('Failed to fetch');
    // What the server answers GET state and api/status with, and whether
    // the browser then goes offline.
    const cases: [Response | Error, Response | Error, boolean][] = [
      [failure, answer(200), true],
      [answer(200, '<html></html>'), answer(200), false],
      [answer(200, { state: 'busy' }), answer(200), false],
      [answer(401), answer(200), false],
      [answer(403), answer(200), false],
      [answer(404), answer(200), false],
      [answer(404), answer(302), false],
      [answer(404), failure, false],
      [answer(500), answer(200), false],
      [answer(302), answer(302), false]
    ];
    const seen = new Set<string>();
    for (const [state, status, offline] of cases) {
      const server = new FakeServer();
      server.respond = path => (path === STATE ? state : status);
      const page = new FakePage();
      page.visible = false;
      const model = new CreditsModel();
      const client = new CreditsClient({
        model,
        baseUrl: '/base/',
        fetch: server.fetch,
        page,
        clock: new ManualClock()
      });
      client.start();
      await flush();
      const statuses = [model.status];
      if (offline) {
        page.online = false;
        page.fire('window', 'offline');
        statuses.push(model.status);
      }
      for (const { reason, why } of statuses) {
        expect(why).not.toBeNull();
        expect(english(why!)).toBe(reason);
        expect(words(marking, why!)).toMatch(/^«/);
        seen.add(why!.code);
      }
      client.dispose();
    }
    expect([...seen].sort()).toEqual(
      [
        'network_error',
        'no_server_part',
        'not_state',
        'offline',
        'page_refused',
        'server_http',
        'server_not_running'
      ].sort()
    );
  });
});
