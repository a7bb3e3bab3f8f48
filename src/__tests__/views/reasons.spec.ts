/**
 * The connection's reasons reach the reader through the translator: every
 * template as the connection writes it, nested reasons too; text from
 * elsewhere as it came.
 */
import { Gettext, nullTranslator } from '@jupyterlab/translation';
import type { TranslationBundle } from '@jupyterlab/translation';
import { classifyAnswer } from '../../connection/policy';
import { connectionStatus } from '../../model/state';
import { REASONS, translateReason, translateStatus } from '../../views/reasons';

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
    expect(
      translateReason(
        marking,
        'the Jupyter server has too many credit readers open'
      )
    ).toBe('«the Jupyter server has too many credit readers open»');
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

  it('knows every reason the status policy gives', () => {
    const types = ['', 'text/html', 'text/event-stream', 'application/json'];
    const unknown = new Set<string>();
    for (let status = 100; status < 600; status++) {
      for (const contentType of types) {
        for (const sawEvent of [false, true]) {
          for (const relay of [false, true]) {
            const verdict = classifyAnswer(
              {
                status,
                opaqueRedirect: false,
                contentType,
                retryAfter: null,
                hasBody: true
              },
              sawEvent,
              0,
              relay
            );
            if ('reason' in verdict) {
              const shown = translateReason(marking, verdict.reason);
              if (!shown.startsWith('«')) {
                unknown.add(verdict.reason);
              }
            }
          }
        }
      }
    }
    expect([...unknown]).toEqual([]);
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
