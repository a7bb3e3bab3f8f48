/**
 * What the item and its tooltip say in the reading rule's states: polled
 * numbers shown as they are (with how they are read), a guessed entry
 * named, a free server, a busy relay.
 */
import { nullTranslator } from '@jupyterlab/translation';
import { describeStatus, stateLine, statusTooltip } from '../../views/describe';
import { statusText } from '../../views/format';
import { CreditsModel } from '../../model/model';
import type { ICreditEntry } from '../../model/payload';
import { connectionStatus, isFresh } from '../../model/state';

const trans = nullTranslator.load('test');
const DISPLAY = { label: 'Credits', show: 'both', format: 'fraction' } as const;
const ENTRY: ICreditEntry = {
  name: null,
  balance: 5,
  cap: 100,
  grant: null,
  project: null
};

describe('the polling and busy states', () => {
  it('polled numbers are shown as they are, and count as fresh', () => {
    const polling = connectionStatus('polling', 0, { nextAttemptAt: 60000 });
    expect(statusText(trans, polling, [ENTRY], DISPLAY)).toBe(
      'Credits: 5 / 100'
    );
    expect(isFresh('polling')).toBe(true);
    expect(isFresh('connecting')).toBe(false);
    const line = describeStatus(trans, polling, true);
    expect(line).toContain('instead of a live stream');
    expect(line).toContain(
      `Next update at ${new Date(60000).toLocaleTimeString()}`
    );
  });

  it('a guessed entry is named in the tooltip', () => {
    const polling = connectionStatus('polling', 0, {
      reason: 'which entry pays for this server is a guess: default'
    });
    expect(describeStatus(trans, polling, true)).toContain(
      'which entry pays for this server is a guess: default'
    );
  });

  it('no entry pays: free of charge', () => {
    const polling = connectionStatus('polling', 0);
    expect(statusText(trans, polling, [], DISPLAY)).toBe('Credits: no charge');
    expect(describeStatus(trans, polling, false)).toContain('free of charge');
  });

  it.each(['live', 'polling'] as const)(
    '%s before the hub has answered: waiting for its numbers, never free',
    state => {
      const status = connectionStatus(state, 0);
      const line = describeStatus(trans, status, false, false);
      expect(line).toContain("waiting for the hub's first numbers");
      expect(line).not.toContain('free of charge');
      expect(describeStatus(trans, status, false, true)).toContain(
        'free of charge'
      );
      expect(stateLine(trans, status, false, '', false)).toBe(line);
    }
  );

  it('the tooltip says free only once the hub has answered', () => {
    const status = connectionStatus('live', 0);
    const waiting = statusTooltip(trans, status, [], null, '');
    expect(waiting).toContain("waiting for the hub's first numbers");
    expect(waiting).not.toContain('free of charge');
    expect(statusTooltip(trans, status, [], 1000, '')).toContain(
      'free of charge'
    );
  });

  it('a busy relay keeps the last numbers, marked', () => {
    const busy = connectionStatus('busy', 0, {
      reason: 'the Jupyter server has too many credit readers open',
      nextAttemptAt: 90000
    });
    expect(statusText(trans, busy, [ENTRY], DISPLAY)).toBe(
      'Credits: 5 / 100 (server busy)'
    );
    expect(describeStatus(trans, busy, true)).toContain('too many');
  });

  it('a busy relay before any number says so', () => {
    const busy = connectionStatus('busy', 0, {
      reason: 'the Jupyter server has too many credit readers open',
      nextAttemptAt: 90000
    });
    expect(statusText(trans, busy, [], DISPLAY)).toBe('Credits: server busy');
  });

  it('levels act on polled numbers', () => {
    const model = new CreditsModel({ log: () => undefined });
    model.configure(
      { entries: [], warningPercent: 25, criticalPercent: 10 },
      null
    );
    model.applyEvent({ kind: 'snapshot', entries: [ENTRY] });
    model.setStatus(connectionStatus('polling', 0));
    expect(model.level).toBe('critical');
    model.setStatus(connectionStatus('connecting', 0));
    expect(model.level).toBe('ok');
  });
});
