import { parseCreditsEvent } from '../../model/payload';

describe('parseCreditsEvent', () => {
  it('reads the per-server object', () => {
    expect(parseCreditsEvent('{"balance": 95, "cap": 100}')).toEqual({
      kind: 'snapshot',
      entries: [
        { name: null, balance: 95, cap: 100, grant: null, project: null }
      ]
    });
  });

  it('reads the per-server object with a project', () => {
    const event = parseCreditsEvent(
      '{"balance": 95, "cap": 100, "project": {"name": "community1", "balance": 1000, "cap": 1000}}'
    );
    expect(event).toEqual({
      kind: 'snapshot',
      entries: [
        {
          name: null,
          balance: 95,
          cap: 100,
          grant: null,
          project: { name: 'community1', balance: 1000, cap: 1000, grant: null }
        }
      ]
    });
  });

  it('reads the per-user list with grants as UTC times', () => {
    const event = parseCreditsEvent(
      JSON.stringify([
        {
          name: 'default',
          balance: 95,
          cap: 100,
          grant_value: 10,
          grant_interval: 600,
          grant_last_update: '2026-01-09T12:00:00.123456',
          project: {
            name: 'community1',
            balance: 1000,
            cap: 1000,
            grant_value: 100,
            grant_interval: 300,
            grant_last_update: '2026-01-09T11:55:00'
          }
        },
        { name: 'gpu', balance: 3, cap: 20 }
      ])
    );
    expect(event.kind).toBe('snapshot');
    if (event.kind !== 'snapshot') {
      return;
    }
    expect(event.entries).toHaveLength(2);
    expect(event.entries[0].grant).toEqual({
      value: 10,
      interval: 600,
      lastUpdate: Date.UTC(2026, 0, 9, 12, 0, 0, 123)
    });
    expect(event.entries[0].project?.grant?.lastUpdate).toBe(
      Date.UTC(2026, 0, 9, 11, 55)
    );
    expect(event.entries[1]).toEqual({
      name: 'gpu',
      balance: 3,
      cap: 20,
      grant: null,
      project: null
    });
  });

  it('accepts an empty list (no entries)', () => {
    expect(parseCreditsEvent('[]')).toEqual({ kind: 'snapshot', entries: [] });
  });

  it('reads the stop event', () => {
    expect(
      parseCreditsEvent(
        '{"error": "Your Server is no longer running.\\nRestart of Jupyter Server required."}'
      )
    ).toEqual({
      kind: 'stopped',
      message:
        'Your Server is no longer running.\nRestart of Jupyter Server required.'
    });
  });

  it.each([
    ['not JSON', '{"balance": 9', /not JSON/],
    ['a number', '42', /got number/],
    ['null', 'null', /got null/],
    ['a missing balance', '{"cap": 100}', /"balance" is not a number/],
    ['a string balance', '{"balance": "95", "cap": 100}', /"balance"/],
    ['a negative cap', '{"balance": 1, "cap": -5}', /"cap" is negative/],
    ['a non-string error', '{"error": 5}', /"error" is not a string/],
    [
      'a project without name',
      '{"balance": 1, "cap": 2, "project": {"balance": 1, "cap": 1}}',
      /project\.name/
    ],
    [
      'a project that is a list',
      '{"balance": 1, "cap": 2, "project": []}',
      /"project" is list/
    ],
    [
      'a bad list item',
      '[{"name": "a", "balance": 1, "cap": 2}, 7]',
      /entry 1/
    ],
    [
      'a numeric name',
      '[{"name": 3, "balance": 1, "cap": 2}]',
      /"name" is not a string/
    ]
  ])('rejects %s with a reason', (_what, data, reason) => {
    const event = parseCreditsEvent(data);
    expect(event.kind).toBe('invalid');
    if (event.kind === 'invalid') {
      expect(event.reason).toMatch(reason);
    }
  });

  it('shortens a long non-JSON payload in the reason', () => {
    const event = parseCreditsEvent('<html>' + 'x'.repeat(1000));
    expect(event.kind === 'invalid' && event.reason.length).toBeLessThan(100);
  });

  it('ignores grant fields that are not usable', () => {
    const event = parseCreditsEvent(
      '[{"name": "a", "balance": 1, "cap": 2, "grant_value": 5, "grant_interval": 0, "grant_last_update": "garbage"}]'
    );
    expect(event.kind === 'snapshot' && event.entries[0].grant).toBeNull();
  });
});
