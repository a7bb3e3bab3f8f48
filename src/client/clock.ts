/**
 * The one clock: every module that waits takes an `IClock`, so a test can
 * drive time.
 */

/**
 * Timers and time, injectable for tests.
 */
export interface IClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: IClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: handle => clearTimeout(handle as ReturnType<typeof setTimeout>)
};
