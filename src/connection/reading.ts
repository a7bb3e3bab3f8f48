/**
 * The reading rule: how the leader tab reads the hub so that the hub stays
 * light (every held per-server stream costs the hub database work at every
 * credit-task run; a poll of the list costs a few statements once).
 *
 * - `stream` while some tab of this server is visible, and for a grace
 *   period after the last one hides (switching tabs does not churn
 *   connections): the per-server stream, as before.
 * - `poll` otherwise: the hub's credit list with the page's token, once per
 *   inferred task interval (jittered; at least 30 s apart, 60 s before
 *   anything is known); through the relay (`?live=0`, the relay polls for
 *   this page) when the page has no token the hub takes, or reads through
 *   the relay anyway. The relay applies the grace itself.
 * - setting `reading: "poll"`: visible tabs poll too (at least 10 s apart).
 *
 * After an outage the first retry window is at least the inferred task
 * interval, so readers coming back spread over it instead of a wave.
 */
import type { FetchFunction, IEndpoint } from './attempt';
import { systemClock } from './clock';
import type { IClock } from './clock';
import type { CreditsEvent } from '../model/payload';
import { CreditsPoller } from './poll';
import type { IEntryMemory } from './poll';
import protocol from './protocol.json';
import type { IStreamTimings } from './policy';
import { STREAM_TIMINGS } from './policy';
import { connectionStatus } from '../model/state';
import type { IConnectionStatus } from '../model/state';
import type { ILeaderStream } from './share';
import { CreditsStream } from './stream';

/**
 * The admin's choice: `auto` streams while someone looks; `poll` never
 * streams (the biggest hubs: no burst at task runs at all).
 */
export type ReadingMode = 'auto' | 'poll';

/**
 * The reading rule's figures, in milliseconds.
 */
export interface IReadingTimings {
  /** The period before any task interval is known. */
  readonly pollDefaultMs: number;
  /** The shortest period while nobody looks. */
  readonly pollMinMs: number;
  /** The shortest period of visible tabs with `reading: "poll"`. */
  readonly visiblePollMinMs: number;
  /** How long the stream stays after the last tab hides. */
  readonly liveGraceMs: number;
  /** The longest task interval believed. */
  readonly taskIntervalMaxMs: number;
  /**
   * After a lost hub connection the first retry window spans this many
   * task intervals: the peak second of readers coming back stays under
   * N / interval.
   */
  readonly restartSpread: number;
  /** ...but never longer than this: a lost connection is not left for hours. */
  readonly restartSpreadMaxMs: number;
}

export const READING_TIMINGS: IReadingTimings = {
  pollDefaultMs: protocol.reading.pollDefaultSeconds * 1000,
  pollMinMs: protocol.reading.pollMinSeconds * 1000,
  visiblePollMinMs: protocol.reading.visiblePollMinSeconds * 1000,
  liveGraceMs: protocol.reading.liveGraceSeconds * 1000,
  taskIntervalMaxMs: protocol.reading.taskIntervalMaxSeconds * 1000,
  restartSpread: protocol.reading.restartSpreadTaskIntervals,
  restartSpreadMaxMs: protocol.reading.restartSpreadMaxSeconds * 1000
};

/**
 * The task interval from the gaps between streamed snapshots (the hub sends
 * one per task run, changed or not): their median, at most the maximum;
 * `null` before any gap is known.
 */
export function taskIntervalMs(
  gaps: readonly number[],
  timings: IReadingTimings = READING_TIMINGS
): number | null {
  if (gaps.length === 0) {
    return null;
  }
  const sorted = [...gaps].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median =
    sorted.length % 2
      ? sorted[middle]
      : (sorted[middle - 1] + sorted[middle]) / 2;
  return Math.min(median, timings.taskIntervalMaxMs);
}

/**
 * The poll period before jitter: the task interval (the default before one
 * is known), at least 30 s while nobody looks, 10 s for visible tabs of
 * `reading: "poll"`.
 */
export function pollPeriodMs(
  interval: number | null,
  visible: boolean,
  timings: IReadingTimings = READING_TIMINGS
): number {
  const min = visible ? timings.visiblePollMinMs : timings.pollMinMs;
  return Math.min(
    Math.max(interval ?? timings.pollDefaultMs, min),
    Math.max(timings.taskIntervalMaxMs, min)
  );
}

/**
 * How the leader reads: a stream (`live`: the hub's, or the relay's with
 * `?live=1`), a poll of the list, or the relay's stream with `?live=0`.
 */
export type ReadingWay = 'stream' | 'poll' | 'relay-poll';

/**
 * The way to read now.
 *
 * @param wantLive - someone looks (or the grace runs) and the setting allows streaming
 * @param canPoll - the page can poll the hub itself (a token the hub takes)
 * @param hasRelay - the relay is among the ways in
 */
export function readingWay(
  wantLive: boolean,
  canPoll: boolean,
  hasRelay: boolean
): ReadingWay {
  if (wantLive) {
    return 'stream';
  }
  if (canPoll) {
    return 'poll';
  }
  // No way to poll at all (endpoint forced, no token): stream as before.
  return hasRelay ? 'relay-poll' : 'stream';
}

/**
 * The leader's reader: follows the rule as tabs show and hide.
 */
export class CreditsReader implements ILeaderStream {
  constructor(options: CreditsReader.IOptions) {
    this._options = options;
    this._clock = options.clock ?? systemClock;
    this._random = options.random ?? Math.random;
    this._timings = { ...STREAM_TIMINGS, ...options.timings };
    this._reading = { ...READING_TIMINGS, ...options.reading };
    this._status = connectionStatus('connecting', this._clock.now());
    this._relayIndex = options.endpoints.findIndex(e => e.via === 'relay');
  }

  get status(): IConnectionStatus {
    return this._status;
  }

  /**
   * How it reads now (`null` before `start`).
   */
  get way(): ReadingWay | null {
    return this._sub?.way ?? null;
  }

  get isActive(): boolean {
    return this._sub?.reader.isActive ?? false;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /**
   * The inferred task interval (ms), `null` while unknown.
   */
  get taskIntervalMs(): number | null {
    return taskIntervalMs(this._gaps, this._reading);
  }

  start(): void {
    if (this._started || this._disposed) {
      return;
    }
    this._started = true;
    this._apply();
  }

  /**
   * Some tab of this server is visible (or none is).
   */
  setLooking(looking: boolean): void {
    if (looking === this._looking || this._disposed) {
      return;
    }
    this._looking = looking;
    this._clearGrace();
    if (!looking && this._sub?.way === 'stream' && !this._onRelay()) {
      // The relay keeps its own grace; a stream to the hub stays a while.
      this._graceUntil = this._clock.now() + this._reading.liveGraceMs;
      this._graceTimer = this._clock.setTimeout(() => {
        this._graceTimer = null;
        this._graceUntil = -Infinity;
        this._apply();
      }, this._reading.liveGraceMs);
    } else {
      this._graceUntil = -Infinity;
    }
    this._apply();
  }

  reconnect(): void {
    this._ended = false;
    // Visibility may have changed while ended: read the way it asks now
    // (a new reader connects by itself).
    const before = this._sub;
    this._apply();
    if (this._sub === before) {
      this._sub?.reader.reconnect();
    }
  }

  pause(reason: string): void {
    this._paused = true;
    this._sub?.reader.pause(reason);
  }

  resume(delayMs = 0): void {
    this._paused = false;
    this._sub?.reader.resume(delayMs);
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._clearGrace();
    this._sub?.reader.dispose();
    this._sub = null;
  }

  private _wantLive(): boolean {
    return (
      this._options.mode !== 'poll' &&
      (this._looking || this._clock.now() < this._graceUntil)
    );
  }

  private _way(): ReadingWay {
    const canPoll =
      this._options.list !== null && !this._listRefused && !this._onRelay();
    return readingWay(this._wantLive(), canPoll, this._relayIndex >= 0);
  }

  /**
   * Whether the stream reads through the relay (the hub refused the direct
   * ways, or there were none).
   */
  private _onRelay(): boolean {
    return this._relayIndex >= 0 && this._workingIndex >= this._relayIndex;
  }

  /**
   * Reads the way the rule says, replacing the current reader if needed.
   */
  private _apply(): void {
    if (!this._started || this._disposed || this._ended) {
      // After a terminal state (the server stopped, no credit service…)
      // nothing changes with visibility.
      return;
    }
    const way = this._way();
    if (this._sub?.way === way) {
      if (way === 'poll' && this._pollVisible !== this._looking) {
        // Polling while visible (`reading: "poll"`): shorter period, and
        // a tab coming into view polls now (at most once per period).
        this._pollVisible = this._looking;
        if (this._looking) {
          this._sub.reader.reconnect();
        }
      }
      return;
    }
    this._sub?.reader.dispose();
    this._lastSnapshotAt = null;
    const reader =
      way === 'poll' ? this._poller() : this._stream(way === 'stream');
    this._sub = { way, reader };
    if (this._paused) {
      reader.pause('the browser is offline');
    }
    reader.start();
    if (way !== 'poll' && reader.status.state !== this._status.state) {
      // A tab coming into view: the last numbers stay, marked not live.
      this._setStatus(reader.status);
    }
  }

  private _stream(live: boolean): CreditsStream {
    const { endpoints } = this._options;
    const from = live ? this._workingIndex : this._relayIndex;
    const ways = endpoints
      .slice(from)
      .map(endpoint =>
        endpoint.via === 'relay'
          ? { ...endpoint, url: Private.withLive(endpoint.url, live) }
          : endpoint
      );
    const stream: CreditsStream = new CreditsStream({
      ...this._options.stream,
      endpoints: ways,
      clock: this._clock,
      random: this._random,
      timings: this._timings,
      openState: live ? 'live' : 'polling',
      spreadMs: () =>
        Math.min(
          (this.taskIntervalMs ?? 0) * this._reading.restartSpread,
          this._reading.restartSpreadMaxMs
        ),
      onEvent: (event, data) => {
        if (this._sub?.reader === stream) {
          this._onStreamEvent(event, live);
          this._options.onEvent(event, data);
        }
      },
      onStatus: status => {
        if (this._sub?.reader !== stream) {
          return;
        }
        if (status.state === 'live') {
          this._workingIndex = from + ways.indexOf(stream.endpoint);
        } else {
          this._lastSnapshotAt = null;
        }
        this._setStatus(status);
      }
    });
    return stream;
  }

  private _poller(): CreditsPoller {
    const list = this._options.list!;
    this._pollVisible = this._looking;
    const poller: CreditsPoller = new CreditsPoller({
      url: list.url,
      token: list.token,
      fetch: this._options.stream.fetch,
      shape: list.shape,
      memory: this._memory,
      clock: this._clock,
      random: this._random,
      timings: this._timings,
      periodMs: () =>
        pollPeriodMs(this.taskIntervalMs, this._pollVisible, this._reading),
      onEvent: (event, data) => {
        if (this._sub?.reader === poller) {
          this._options.onEvent(event, data);
        }
      },
      onStatus: status => {
        if (this._sub?.reader === poller) {
          this._setStatus(status);
        }
      },
      onRefused: () => {
        if (this._sub?.reader === poller) {
          // The hub takes no token of this page: the relay polls instead.
          this._listRefused = true;
          this._apply();
        }
      }
    });
    return poller;
  }

  /**
   * Learns the task interval from the gaps between streamed snapshots, and
   * remembers the last per-server snapshot for the next list.
   */
  private _onStreamEvent(event: CreditsEvent, live: boolean): void {
    if (event.kind !== 'snapshot' || !live) {
      return;
    }
    const now = this._clock.now();
    if (this._lastSnapshotAt === null) {
      // The first snapshot comes on connect, not at a task run: the gap
      // to the next one is only part of an interval.
      this._skipGap = true;
    } else if (this._skipGap) {
      this._skipGap = false;
    } else {
      this._gaps.push(now - this._lastSnapshotAt);
      if (this._gaps.length > 9) {
        this._gaps.shift();
      }
    }
    this._lastSnapshotAt = now;
    if (event.entries.length === 1 && event.entries[0].name === null) {
      this._memory.snapshot = event.entries[0];
    }
  }

  private _setStatus(status: IConnectionStatus): void {
    this._status = status;
    this._ended = TERMINAL.has(status.state);
    this._options.onStatus(status);
  }

  private _clearGrace(): void {
    if (this._graceTimer !== null) {
      this._clock.clearTimeout(this._graceTimer);
      this._graceTimer = null;
    }
  }

  private _options: CreditsReader.IOptions;
  private _clock: IClock;
  private _random: () => number;
  private _timings: IStreamTimings;
  private _reading: IReadingTimings;
  private _status: IConnectionStatus;
  private _sub: {
    way: ReadingWay;
    reader: CreditsStream | CreditsPoller;
  } | null = null;
  private _looking = true;
  private _pollVisible = true;
  private _graceUntil = -Infinity;
  private _graceTimer: unknown = null;
  private _relayIndex: number;
  private _workingIndex = 0;
  private _listRefused = false;
  private _started = false;
  private _ended = false;
  private _paused = false;
  private _disposed = false;
  private _gaps: number[] = [];
  private _lastSnapshotAt: number | null = null;
  private _skipGap = false;
  private _memory: IEntryMemory = { snapshot: null, matched: null };
}

export namespace CreditsReader {
  export interface IOptions {
    /** The stream's ways in, in order (the relay last, when there). */
    endpoints: readonly IEndpoint[];
    /** The hub's list to poll with a token, or `null` (no token, forced ways). */
    list: {
      readonly url: string;
      readonly token: string;
      readonly shape: 'server' | 'user';
    } | null;
    /** The setting `reading`. */
    mode: ReadingMode;
    /** How the stream fetches. */
    stream: {
      fetch: FetchFunction;
      relayFetch?: FetchFunction;
      credentials?: RequestCredentials;
    };
    onEvent: (event: CreditsEvent, data?: string) => void;
    onStatus: (status: IConnectionStatus) => void;
    timings?: Partial<IStreamTimings>;
    reading?: Partial<IReadingTimings>;
    clock?: IClock;
    random?: () => number;
  }
}

/**
 * States after which the reader no longer switches ways.
 */
const TERMINAL: ReadonlySet<string> = new Set([
  'stopped',
  'unavailable',
  'unauthorized',
  'unreachable',
  'disabled'
]);

namespace Private {
  /**
   * The relay's stream URL asking for live numbers or periodic ones.
   */
  export function withLive(url: string, live: boolean): string {
    return `${url}${url.includes('?') ? '&' : '?'}live=${live ? 1 : 0}`;
  }
}
