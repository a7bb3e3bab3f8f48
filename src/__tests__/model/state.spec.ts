/**
 * One list of states for every language, and the one rule for since when.
 */
import protocol from '../../protocol.json';
import {
  CONNECTION_STATES,
  connectionStatus,
  isFresh,
  nextStatus
} from '../../model/state';

describe('CONNECTION_STATES', () => {
  it('is the list of src/protocol.json, in its order', () => {
    expect([...CONNECTION_STATES]).toEqual(protocol.states);
  });

  it('holds every code the server part says', () => {
    expect(CONNECTION_STATES).toEqual(
      expect.arrayContaining(protocol.serverStates)
    );
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
      why: null,
      failures: 0,
      nextAttemptAt: null,
      since: 5
    });
    expect(Object.isFrozen(status)).toBe(true);
  });

  it('keep since when while the state stays', () => {
    const first = connectionStatus('disconnected', 5, { failures: 1 });
    const again = nextStatus(first, 'disconnected', 9, { failures: 2 });
    expect([again.since, again.failures]).toEqual([5, 2]);
    expect(nextStatus(again, 'live', 12).since).toBe(12);
  });
});
