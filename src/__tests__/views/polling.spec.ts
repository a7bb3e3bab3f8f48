/**
 * What the item and its tooltip say in the reading rule's states: polled
 * numbers shown as they are (with how they are read), a guessed entry
 * named, a free server; and in the states only the page sees: its server
 * out of reach, a server without the server part.
 */
import { nullTranslator } from '@jupyterlab/translation';
import { describeStatus, stateLine, statusTooltip } from '../../views/describe';
import { statusText } from '../../views/format';
import { CreditsModel } from '../../model/model';
import type { ICreditEntry } from '../../model/types';
import { connectionStatus, isFresh } from '../../model/state';
import { feed, rawEntry } from '../helpers/documents';

const trans = nullTranslator.load('test');
const DISPLAY = { label: 'Credits', show: 'both', format: 'fraction' } as const;
const ENTRY: ICreditEntry = {
  name: null,
  balance: 5,
  cap: 100,
  grant: null,
  project: null
};

describe('the polling, disconnected and noextension states', () => {
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

  it('a server out of reach keeps the last numbers, marked, with the next attempt', () => {
    const disconnected = connectionStatus('disconnected', 0, {
      reason: 'HTTP 502',
      failures: 2,
      nextAttemptAt: 90000
    });
    expect(statusText(trans, disconnected, [ENTRY], DISPLAY)).toBe(
      'Credits: 5 / 100 (server not reachable)'
    );
    const line = describeStatus(trans, disconnected, true);
    expect(line).toContain('cannot reach its Jupyter server');
    expect(line).toContain('HTTP 502');
    expect(line).toContain(new Date(90000).toLocaleTimeString());
  });

  it('a server out of reach before any number says so', () => {
    const disconnected = connectionStatus('disconnected', 0, {
      reason: 'network error: Failed to fetch'
    });
    expect(statusText(trans, disconnected, [], DISPLAY)).toBe(
      'Credits: server not reachable'
    );
  });

  it('a server without the server part says it is not set up, and how to fix it', () => {
    const none = connectionStatus('noextension', 0);
    expect(statusText(trans, none, [ENTRY], DISPLAY)).toBe(
      'Credits: not set up on this server'
    );
    expect(describeStatus(trans, none, false)).toContain(
      'pip install jupyterlab-hub-credits'
    );
  });

  it('levels act on polled numbers', () => {
    const model = new CreditsModel();
    model.configure(
      { entries: [], warningPercent: 25, criticalPercent: 10 },
      null
    );
    feed(model, { state: 'polling', entries: [rawEntry(5)] });
    expect(model.level).toBe('critical');
    feed(model, { state: 'reconnecting', entries: [rawEntry(5)] });
    expect(model.level).toBe('ok');
    feed(model, { state: 'polling', entries: [rawEntry(5)] });
    model.setStatus(connectionStatus('disconnected', 0));
    expect(model.level).toBe('ok');
  });
});
