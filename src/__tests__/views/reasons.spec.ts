/**
 * The reasons reach the reader through the translator: every template as
 * the server part and the client write it, nested reasons too; text from
 * elsewhere as it came.
 */
import { Gettext, nullTranslator } from '@jupyterlab/translation';
import type { TranslationBundle } from '@jupyterlab/translation';
import { CreditsClient } from '../../client/client';
import { CreditsModel } from '../../model/model';
import { connectionStatus } from '../../model/state';
import { REASONS, translateReason, translateStatus } from '../../views/reasons';
import { ManualClock } from '../helpers/clock';
import { FakePage, FakeServer, answer, flush } from '../helpers/server';

/**
 * A translator that marks what it translated: «words».
 */
const marking = {
  __: (msgid: string, ...args: unknown[]) =>
    `«${Gettext.strfmt(msgid, ...args)}»`
} as unknown as TranslationBundle;

describe('translateReason', () => {
  it('each template is the same words as the literal handed to the translator', () => {
    const identity = nullTranslator.load('test');
    for (const [template, translate] of REASONS) {
      expect(translate(identity, '%1')).toBe(template);
    }
  });

  it('translates a known reason with its varying part', () => {
    expect(translateReason(marking, 'the hub answered HTTP 502')).toBe(
      '«the hub answered HTTP 502»'
    );
    expect(translateReason(marking, 'the browser is offline')).toBe(
      '«the browser is offline»'
    );
  });

  it('translates a reason inside a reason', () => {
    expect(
      translateReason(
        marking,
        'the hub refused access (HTTP 403) (checking again)'
      )
    ).toBe('««the hub refused access (HTTP 403)» (checking again)»');
    expect(
      translateReason(
        marking,
        'the hub did not answer with an event stream (no content type)'
      )
    ).toBe('«the hub did not answer with an event stream («no content type»)»');
  });

  it('translates the reasons of reading by polling', () => {
    expect(
      translateReason(
        marking,
        'which entry pays for this server is a guess: default'
      )
    ).toBe('«which entry pays for this server is a guess: default»');
  });

  it("shows the hub's, the relay's and the browser's own words as they came", () => {
    expect(translateReason(marking, 'Server maintenance at 14:00')).toBe(
      'Server maintenance at 14:00'
    );
    // A percent sign in a part is never read as a placeholder.
    expect(translateReason(marking, 'network error: bad %20 url %1')).toBe(
      '«network error: bad %20 url %1»'
    );
    expect(translateReason(marking, '')).toBe('');
  });

  // Fails today: src/views/reasons.ts lists the old connection's reasons,
  // not the ones src/client/client.ts writes (they show in English in
  // every language). Turn into `it` once fixed.
  it('knows every reason the client writes', async () => {
    const STATE = '/base/hub-credits/state';
    const failure = new TypeError('Failed to fetch');
    // What the server answers GET state and api/status with, and whether
    // the browser then goes offline.
    const cases: [Response | Error, Response | Error, boolean][] = [
      [failure, answer(200), false],
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
    const reasons = new Set<string>();
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
      reasons.add(model.status.reason);
      if (offline) {
        page.online = false;
        page.fire('window', 'offline');
        reasons.add(model.status.reason);
      }
      client.dispose();
    }
    expect(reasons.size).toBeGreaterThanOrEqual(8);
    const unknown = [...reasons].filter(
      reason => !translateReason(marking, reason).startsWith('«')
    );
    expect(unknown).toEqual([]);
  });
});

describe('translateStatus', () => {
  it('keeps the status object when there is nothing to translate', () => {
    const status = connectionStatus('live', 0);
    expect(translateStatus(marking, status)).toBe(status);
  });

  it('returns a frozen status with the translated reason', () => {
    const status = connectionStatus('reconnecting', 5, {
      reason: 'the hub went silent',
      failures: 2
    });
    const shown = translateStatus(marking, status);
    expect(shown).toEqual({ ...status, reason: '«the hub went silent»' });
    expect(Object.isFrozen(shown)).toBe(true);
  });
});
