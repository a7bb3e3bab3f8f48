/**
 * Test helpers for the tabs of one browser: a clock run by hand, a channel
 * whose messages the test delivers, a page whose visibility the test sets.
 */
import type { IClock } from '../../connection/clock';
import type { IChannel, IVisibility } from '../../connection/share';

/**
 * Timers run by hand: `advance(ms)` fires what falls due, in order.
 */
export class ManualClock implements IClock {
  time = 0;
  now = (): number => this.time;
  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = this._next++;
    this._timers.set(id, { at: this.time + ms, fn });
    return id;
  };
  clearTimeout = (id: unknown): void => {
    this._timers.delete(id as number);
  };
  /** Timers pending. */
  get pending(): number {
    return this._timers.size;
  }
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = [...this._timers.entries()]
        .filter(([, t]) => t.at <= end)
        .sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (!due) {
        break;
      }
      this._timers.delete(due[0]);
      this.time = due[1].at;
      due[1].fn();
    }
    this.time = end;
  }
  private _timers = new Map<number, { at: number; fn: () => void }>();
  private _next = 1;
}

/**
 * A channel whose messages the test delivers by hand, as another tab would.
 */
export class HandChannel implements IChannel {
  posted: unknown[] = [];
  onmessage: ((event: MessageEvent) => void) | null = null;
  postMessage(message: unknown): void {
    this.posted.push(message);
  }
  close(): void {
    this.onmessage = null;
  }
  deliver(data: unknown): void {
    this.onmessage?.({ data } as MessageEvent);
  }
  /** The types posted so far. */
  types(): string[] {
    return this.posted.map(m => (m as { type: string }).type);
  }
}

/**
 * A page's visibility, set by the test.
 */
export class FakeVisibility implements IVisibility {
  constructor(public visible = true) {}
  set(visible: boolean): void {
    this.visible = visible;
    this._listeners.forEach(listener => listener());
  }
  watch(listener: () => void): () => void {
    this._listeners.add(listener);
    return () => this._listeners.delete(listener);
  }
  private _listeners = new Set<() => void>();
}
