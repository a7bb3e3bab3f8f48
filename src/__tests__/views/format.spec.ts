import { nullTranslator } from '@jupyterlab/translation';
import { formatBalance, formatEntries, statusText } from '../../views/format';
import type { IDisplayOptions } from '../../views/format';
import { levelOf, selectEntries, worstLevel } from '../../model/levels';
import type { ICreditEntry } from '../../model/types';
import type { ConnectionState, IConnectionStatus } from '../../model/state';
import { formatDuration, formatGrant } from '../../views/durations';

const DISPLAY: IDisplayOptions = {
  label: 'Credits',
  show: 'both',
  format: 'fraction'
};

const trans = nullTranslator.load('test');

function entry(
  balance: number,
  cap: number,
  project?: [string, number, number],
  name: string | null = null
): ICreditEntry {
  return {
    name,
    balance,
    cap,
    grant: null,
    project: project
      ? { name: project[0], balance: project[1], cap: project[2], grant: null }
      : null
  };
}

function status(state: ConnectionState): IConnectionStatus {
  return {
    state,
    reason: 'why',
    why: null,
    failures: 0,
    nextAttemptAt: null,
    since: 0
  };
}

describe('formatBalance', () => {
  const amounts = { balance: 95, cap: 100 };
  it.each([
    ['fraction', '95 / 100'],
    ['percent', '95 %'],
    ['remaining', '95 left'],
    ['bar', '95 / 100']
  ] as const)('%s', (format, text) => {
    expect(formatBalance(trans, amounts, format)).toBe(text);
  });

  it('groups thousands and rounds to two decimals', () => {
    expect(
      formatBalance(trans, { balance: 1234.5678, cap: 2000 }, 'fraction')
    ).toBe('1,234.57 / 2,000');
  });
});

describe('formatEntries and statusText', () => {
  const entries = [entry(95, 100, ['community1', 1000, 1000])];

  it('shows user and project by default', () => {
    expect(statusText(trans, status('live'), entries, DISPLAY)).toBe(
      'Credits: 95 / 100 · community1: 1,000 / 1,000'
    );
  });

  it('shows only what the settings ask for', () => {
    expect(
      formatEntries(trans, entries, { show: 'user', format: 'percent' })
    ).toBe('95 %');
    expect(
      formatEntries(trans, entries, { show: 'project', format: 'remaining' })
    ).toBe('community1: 1,000 left');
    // No project: the user's balance rather than nothing.
    expect(
      formatEntries(trans, [entry(5, 10)], {
        show: 'project',
        format: 'fraction'
      })
    ).toBe('5 / 10');
  });

  it('names entries when there are several, and filters them', () => {
    const several = [
      entry(1, 2, undefined, 'default'),
      entry(3, 4, undefined, 'gpu')
    ];
    expect(
      formatEntries(trans, several, { show: 'both', format: 'fraction' })
    ).toBe('default 1 / 2 | gpu 3 / 4');
    expect(selectEntries(several, ['gpu'])).toEqual([several[1]]);
    expect(selectEntries(several, ['nope'])).toEqual(several);
  });

  it('never shows a balance as fresh when not live', () => {
    const options = { ...DISPLAY, label: 'Cr' };
    expect(statusText(trans, status('reconnecting'), entries, options)).toMatch(
      /\(reconnecting\)$/
    );
    expect(statusText(trans, status('offline'), entries, options)).toMatch(
      /\(offline\)$/
    );
    expect(statusText(trans, status('stopped'), entries, options)).toBe(
      'Cr: server stopped'
    );
    expect(statusText(trans, status('unauthorized'), [], options)).toBe(
      'Cr: not signed in'
    );
    expect(statusText(trans, status('connecting'), [], options)).toBe('Cr: …');
    expect(statusText(trans, status('live'), [], options)).toBe(
      'Cr: no charge'
    );
    expect(statusText(trans, status('unavailable'), entries, options)).toBe('');
  });
});

describe('statusText before the hub has answered', () => {
  it.each(['live', 'polling'] as const)(
    '%s, no entries, not answered: waiting, never "no charge"',
    state => {
      const text = statusText(trans, status(state), [], DISPLAY, false);
      expect(text).toBe('Credits: waiting…');
      expect(text).not.toContain('no charge');
    }
  );

  it.each(['live', 'polling'] as const)(
    '%s, no entries, answered (an empty list): no charge',
    state => {
      expect(statusText(trans, status(state), [], DISPLAY, true)).toBe(
        'Credits: no charge'
      );
    }
  );

  it('entries are shown whatever the flag says', () => {
    const entries = [entry(95, 100)];
    expect(statusText(trans, status('live'), entries, DISPLAY, false)).toBe(
      'Credits: 95 / 100'
    );
  });
});

describe('levels', () => {
  const thresholds = { warningPercent: 25, criticalPercent: 10 };
  it.each([
    [100, 'ok'],
    [26, 'ok'],
    [25, 'warning'],
    [11, 'warning'],
    [10, 'critical'],
    [0, 'critical']
  ])('%i of 100 is %s', (balance, level) => {
    expect(levelOf({ balance, cap: 100 }, thresholds)).toBe(level);
  });

  it('a zero cap is ok, not critical', () => {
    expect(levelOf({ balance: 0, cap: 0 }, thresholds)).toBe('ok');
  });

  it('counts the project with the user (the project pays first)', () => {
    // User 5/100 alone would be critical; with the project's 900/1000 it is fine.
    expect(worstLevel([entry(5, 100, ['p', 900, 1000])], thresholds)).toBe(
      'ok'
    );
    expect(worstLevel([entry(5, 100, ['p', 0, 100])], thresholds)).toBe(
      'critical'
    );
  });
});

describe('durations and grants', () => {
  it.each([
    [30000, 'less than a minute'],
    [4 * 60000, '4 min'],
    [65 * 60000, '1 h 5 min'],
    [120 * 60000, '2 h'],
    [51 * 3600000, '2 d 3 h']
  ])('%i ms reads %s', (ms, text) => {
    expect(formatDuration(trans, ms)).toBe(text);
  });

  it('spells out the grant schedule', () => {
    const grant = { value: 10, interval: 600, lastUpdate: 0 };
    expect(formatGrant(trans, grant, 6 * 60000)).toBe(
      '+10 every 10 min, next in 4 min'
    );
    expect(formatGrant(trans, { ...grant, lastUpdate: null }, 0)).toBe(
      '+10 every 10 min'
    );
  });
});
