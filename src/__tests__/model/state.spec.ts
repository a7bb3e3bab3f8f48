/**
 * One list of states for every language, and the one rule for since when.
 */
import protocol from '../../protocol.json';
import {
  CONNECTION_STATES,
  connectionStatus,
  isFresh,
  nextStatus,
  sameStatus
} from '../../model/state';

describe('CONNECTION_STATES', () => {
  it('is the list of src/protocol.json, in its order', () => {
    expect([...CONNECTION_STATES]).toEqual(protocol.states);
  });

  it('has no busy state any more, and only live and polling are fresh', () => {
    expect(CONNECTION_STATES).not.toContain('busy');
    expect(CONNECTION_STATES.filter(isFresh)).toEqual(['live', 'polling']);
  });
});

describe('statuses', () => {
  it('are frozen, with what was not said filled in', () => {
    const status = connectionStatus('offline', 5);
    expect(status).toEqual({
      state: 'offline',
      reason: '',
      failures: 0,
      nextAttemptAt: null,
      since: 5
    });
    expect(Object.isFrozen(status)).toBe(true);
  });

  it('keep since when while the state stays, and compare without it', () => {
    const first = connectionStatus('disconnected', 5, { failures: 1 });
    const again = nextStatus(first, 'disconnected', 9, { failures: 1 });
    expect(again.since).toBe(5);
    expect(sameStatus(first, again)).toBe(true);
    expect(nextStatus(again, 'live', 12).since).toBe(12);
    expect(sameStatus(first, nextStatus(first, 'disconnected', 9))).toBe(false);
  });
});
