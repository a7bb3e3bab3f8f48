/**
 * One credits reader per browser and server: the tabs elect a leader over a
 * BroadcastChannel (no Web Locks: they are missing on plain-HTTP hubs, and
 * a frozen tab would hold one for ever); the leader reads the hub and
 * broadcasts what it reads, the others render the broadcasts. Every tab
 * tells the leader whether it is visible, so the leader streams while
 * someone looks and polls otherwise (see `reading.ts`).
 *
 * Elections (messages in `wire.ts`): a tab that hears no leader claims with
 * a term one above the highest it has seen and leads unless it hears a
 * better claim within `claimMs`. A follower that hears nothing from the
 * leader for `silenceMs` pings it; no answer within `answerMs` (the leader
 * closed or froze) and it claims. A leader that hears a better leader (one
 * that took over while it was frozen) steps down, so two leaders never
 * last longer than one message round.
 */
import type { IDisposable } from '@lumino/disposable';
import { systemClock } from './clock';
import type { IClock } from './clock';
import { parseCreditsEvent } from '../model/payload';
import type { CreditsEvent } from '../model/payload';
import { connectionStatus } from '../model/state';
import type { IConnectionStatus } from '../model/state';
import { better, envelope, parseMessage } from './wire';
import type { ICandidate, Message } from './wire';

/**
 * Where stream output goes: the model of this tab.
 */
export interface ICreditsSink {
  /** `data`: the hub's own event data, when the event came from the hub. */
  onEvent(event: CreditsEvent, data?: string): void;
  onStatus(status: IConnectionStatus): void;
}

/**
 * What the leader tab reads the hub with.
 */
export interface ILeaderStream extends IDisposable {
  readonly status: IConnectionStatus;
  start(): void;
  reconnect(): void;
  /** Whether some tab of this server is visible (called before `start`). */
  setLooking?(looking: boolean): void;
}

/**
 * The minimal BroadcastChannel this module needs.
 */
export interface IChannel {
  postMessage(message: unknown): void;
  close(): void;
  onmessage: ((event: MessageEvent) => void) | null;
}

/**
 * This tab's visibility (Page Visibility in the browser).
 */
export interface IVisibility {
  readonly visible: boolean;
  /** Calls `listener` on every change; returns what removes it. */
  watch(listener: () => void): () => void;
}

type Role = 'joining' | 'follower' | 'candidate' | 'leader' | 'disposed';

export class SharedCredits implements IDisposable {
  constructor(options: SharedCredits.IOptions) {
    this._options = options;
    this._clock = options.clock ?? systemClock;
    this._beatMs = options.beatMs ?? 8000;
    this._silenceMs = options.silenceMs ?? 24000;
    this._answerMs = options.answerMs ?? 1000;
    this._claimMs = options.claimMs ?? 250;
    this._seenMs = options.seenMs ?? 10000;
    this._log = options.log ?? (message => console.warn(message));
    this._id = options.id ?? Private.randomId();
    this._visibility = options.visibility ?? Private.ALWAYS_VISIBLE;
  }

  /**
   * Whether this tab reads the hub.
   */
  get isLeader(): boolean {
    return this._stream !== null;
  }

  get isDisposed(): boolean {
    return this._role === 'disposed';
  }

  /**
   * This tab's id on the channel.
   */
  get id(): string {
    return this._id;
  }

  /**
   * Joins the tabs of this key: listens for a leader a moment, then claims.
   * Without a channel (none in this browser, or sharing turned off) this
   * tab reads on its own at once.
   */
  start(): void {
    if (this._role !== 'joining' || this._started) {
      return;
    }
    this._started = true;
    this._unwatch = this._visibility.watch(this._onVisibility);
    const channel = this._options.openChannel(this._options.key);
    if (!channel) {
      this._lead();
      return;
    }
    this._channel = channel;
    channel.onmessage = event => this._onMessage(event.data);
    this._announce();
    this._arm(this._answerMs, () => this._claim());
  }

  /**
   * Reconnects the hub connection, wherever it runs.
   */
  reconnect(): void {
    if (this._stream) {
      this._stream.reconnect();
    } else {
      this._post({ type: 'reconnect', from: this._id });
    }
  }

  /**
   * Leaves for now (the page froze): a leader hands over. `rejoin()` comes
   * back.
   */
  leave(): void {
    if (this._role === 'disposed' || !this._started) {
      return;
    }
    this._post({ type: 'bye', from: this._id });
    this._stepDown();
    this._role = 'joining';
    this._paused = true;
    this._clear();
    this._stopSeen();
  }

  /**
   * Comes back after `leave()` (the page resumed).
   */
  rejoin(): void {
    if (!this._paused || this._role !== 'joining') {
      return;
    }
    this._paused = false;
    if (!this._channel) {
      this._lead();
      return;
    }
    this._leader = null;
    this._announce();
    this._arm(this._answerMs, () => this._claim());
  }

  dispose(): void {
    if (this._role === 'disposed') {
      return;
    }
    this._post({ type: 'bye', from: this._id });
    this._stepDown();
    this._role = 'disposed';
    this._clear();
    this._stopSeen();
    this._unwatch?.();
    this._unwatch = null;
    if (this._channel) {
      this._channel.onmessage = null;
      this._channel.close();
      this._channel = null;
    }
  }

  /**
   * Becomes a candidate: claims one term above the highest seen.
   */
  private _claim(): void {
    if (this._role === 'disposed' || this._paused) {
      return;
    }
    this._role = 'candidate';
    this._mine = {
      from: this._id,
      term: this._term + 1,
      rank: this._visibility.visible ? 1 : 0
    };
    this._term = this._mine.term;
    this._post({ type: 'claim', ...this._mine });
    this._arm(this._claimMs, () => this._lead());
  }

  private _lead(): void {
    if (this._stream || this._role === 'disposed') {
      return;
    }
    this._mine ??= { from: this._id, term: this._term + 1, rank: 1 };
    this._role = 'leader';
    this._leader = this._mine;
    this._clear();
    const { sink, createStream } = this._options;
    const stream = createStream({
      onEvent: (event, data) => {
        sink.onEvent(event, data);
        if (data !== undefined && event.kind !== 'invalid') {
          if (event.kind === 'snapshot') {
            this._lastData = data;
          }
          this._post({ type: 'data', from: this._id, data });
        }
      },
      onStatus: status => {
        sink.onStatus(status);
        this._post({ type: 'status', from: this._id, status });
      }
    });
    this._stream = stream;
    this._options.onLeader?.(stream);
    stream.setLooking?.(this._looking());
    sink.onStatus(stream.status);
    this._assert();
    stream.start();
    if (this._channel) {
      this._beat();
    }
  }

  /**
   * A leader that hears a better one, or leaves: ends its reading.
   */
  private _stepDown(): void {
    const stream = this._stream;
    this._stream = null;
    this._mine = null;
    stream?.dispose();
  }

  private _follow(leader: ICandidate): void {
    if (this._role === 'leader') {
      this._stepDown();
    }
    const known = this._leader?.from === leader.from;
    this._role = 'follower';
    this._leader = leader;
    this._watch();
    if (!known) {
      // Tell the new leader whether this tab is visible.
      this._announce();
    }
  }

  /**
   * The leader's heartbeat: `lead` again, and visible tabs that went
   * silent (closed or frozen without a word) no longer count.
   */
  private _beat(): void {
    this._arm(this._beatMs, () => {
      this._assert();
      this._updateLooking();
      this._beat();
    });
  }

  /**
   * A follower's watch: silence for `silenceMs`, then a ping; no answer in
   * `answerMs` and the leader is gone (closed or frozen): claim.
   */
  private _watch(): void {
    this._arm(this._silenceMs, () => {
      this._post({ type: 'ping', from: this._id });
      this._arm(this._answerMs, () => {
        this._options.sink.onStatus(
          connectionStatus('reconnecting', this._clock.now(), {
            reason: 'the tab that reads the credits stopped answering'
          })
        );
        this._leader = null;
        this._claim();
      });
    });
  }

  private _onVisibility = () => {
    if (this._role === 'disposed' || this._paused) {
      return;
    }
    this._announce();
    this._updateLooking();
  };

  /**
   * Tells the others this tab is here and whether it is visible; again
   * every `seenMs` while visible, so that the leader can tell a closed or
   * frozen visible tab from one still looking.
   */
  private _announce(): void {
    if (!this._channel) {
      return;
    }
    this._post({
      type: 'seen',
      from: this._id,
      visible: this._visibility.visible
    });
    this._stopSeen();
    if (this._visibility.visible) {
      this._seenTimer = this._clock.setTimeout(() => {
        this._seenTimer = null;
        this._announce();
      }, this._seenMs);
    }
  }

  /**
   * Whether this tab or another visible tab that spoke lately is in view.
   */
  private _looking(): boolean {
    if (this._visibility.visible) {
      return true;
    }
    const now = this._clock.now();
    for (const [id, at] of this._visible) {
      if (now - at > this._seenMs * 3) {
        this._visible.delete(id);
      }
    }
    return this._visible.size > 0;
  }

  private _updateLooking(): void {
    this._stream?.setLooking?.(this._looking());
  }

  /**
   * The leader's word: who leads, its status and the last snapshot.
   */
  private _assert(full = false): void {
    if (!this._mine || !this._stream) {
      return;
    }
    this._post({ type: 'lead', ...this._mine });
    if (full) {
      this._post({
        type: 'status',
        from: this._id,
        status: this._stream.status
      });
      if (this._lastData !== null) {
        this._post({ type: 'data', from: this._id, data: this._lastData });
      }
    }
  }

  private _arm(ms: number, callback: () => void): void {
    this._clear();
    this._timer = this._clock.setTimeout(() => {
      this._timer = null;
      callback();
    }, ms);
  }

  private _clear(): void {
    if (this._timer !== null) {
      this._clock.clearTimeout(this._timer);
      this._timer = null;
    }
  }

  private _stopSeen(): void {
    if (this._seenTimer !== null) {
      this._clock.clearTimeout(this._seenTimer);
      this._seenTimer = null;
    }
  }

  private _post(message: Message): void {
    this._channel?.postMessage(envelope(message));
  }

  private _onMessage(value: unknown): void {
    if (this._role === 'disposed' || this._paused) {
      return;
    }
    const message = parseMessage(value);
    if (typeof message === 'string') {
      this._reject(message);
      return;
    }
    if (message.from === this._id) {
      return;
    }
    switch (message.type) {
      case 'seen':
        this._onSeen(message.from, message.visible);
        break;
      case 'bye':
        this._peers.delete(message.from);
        this._visible.delete(message.from);
        if (this._leader?.from === message.from && !this._stream) {
          // The leader left: elect another now.
          this._leader = null;
          this._claim();
        } else {
          this._updateLooking();
        }
        break;
      case 'ping':
        this._assert();
        break;
      case 'claim':
      case 'lead':
        this._onCandidate(message);
        break;
      case 'data':
      case 'status':
        if (!this._stream && this._leader?.from === message.from) {
          this._watch();
          if (message.type === 'status') {
            this._options.sink.onStatus(message.status);
          } else {
            this._options.sink.onEvent(
              parseCreditsEvent(message.data),
              message.data
            );
          }
        }
        break;
      case 'reconnect':
        // The stream allows one reconnect per backoff window, whoever asks.
        this._stream?.reconnect();
        break;
    }
  }

  private _onSeen(from: string, visible: boolean): void {
    const known = this._peers.has(from);
    this._peers.add(from);
    if (visible) {
      this._visible.set(from, this._clock.now());
    } else {
      this._visible.delete(from);
    }
    if (this._stream) {
      if (!known) {
        // A new tab: tell it where things stand.
        this._assert(true);
      }
      this._updateLooking();
    }
  }

  private _onCandidate(other: ICandidate & { type: 'claim' | 'lead' }): void {
    this._term = Math.max(this._term, other.term);
    const mine = this._role === 'leader' || this._role === 'candidate';
    if (mine && this._mine) {
      if (better(other, this._mine)) {
        this._follow(other);
      } else if (this._role === 'leader') {
        // A worse claim or a stale leader (frozen, back): this one leads.
        this._assert();
      } else {
        this._post({ type: 'claim', ...this._mine });
      }
      return;
    }
    if (other.type !== 'lead') {
      // An election is on; its winner will say `lead`.
      return;
    }
    if (
      !this._leader ||
      this._leader.from === other.from ||
      better(other, this._leader)
    ) {
      this._follow(other);
    }
  }

  /**
   * Logs why a message was ignored, once per reason (and at most a few).
   */
  private _reject(reason: string): void {
    if (this._rejected.size < 10 && !this._rejected.has(reason)) {
      this._rejected.add(reason);
      this._log(
        `jupyterlab-hub-credits: ignored a message from another tab: ${reason}`
      );
    }
  }

  private _options: SharedCredits.IOptions;
  private _clock: IClock;
  private _beatMs: number;
  private _silenceMs: number;
  private _answerMs: number;
  private _claimMs: number;
  private _seenMs: number;
  private _log: (message: string) => void;
  private _id: string;
  private _visibility: IVisibility;
  private _unwatch: (() => void) | null = null;
  private _role: Role = 'joining';
  private _started = false;
  private _paused = false;
  private _term = 0;
  private _mine: ICandidate | null = null;
  private _leader: ICandidate | null = null;
  private _stream: ILeaderStream | null = null;
  private _channel: IChannel | null = null;
  private _lastData: string | null = null;
  private _timer: unknown = null;
  private _seenTimer: unknown = null;
  private _peers = new Set<string>();
  private _visible = new Map<string, number>();
  private _rejected = new Set<string>();
}

export namespace SharedCredits {
  export interface IOptions {
    /** Tabs with the same key share one reader (e.g. the stream URL). */
    key: string;
    sink: ICreditsSink;
    /** Builds the reader when this tab becomes the leader. */
    createStream: (sink: ICreditsSink) => ILeaderStream;
    /** A channel for this key, or `null`: then every tab reads alone. */
    openChannel: (name: string) => IChannel | null;
    /** This tab's visibility; always visible by default. */
    visibility?: IVisibility;
    /** Called with the reader when this tab starts leading. */
    onLeader?: (stream: ILeaderStream) => void;
    clock?: IClock;
    /** This tab's id (random by default). */
    id?: string;
    /** The leader's heartbeat period (default 8 s, the hub's keepalive). */
    beatMs?: number;
    /** A follower pings a leader silent this long (default 24 s). */
    silenceMs?: number;
    /** How long to wait for a leader's answer (default 1 s). */
    answerMs?: number;
    /** How long a claim waits for a better one (default 250 ms). */
    claimMs?: number;
    /** A visible tab says so this often (default 10 s; 3 silent periods and it no longer counts). */
    seenMs?: number;
    /** Where reasons for ignored messages go; `console.warn` by default. */
    log?: (message: string) => void;
  }
}

namespace Private {
  export const ALWAYS_VISIBLE: IVisibility = {
    visible: true,
    watch: () => () => undefined
  };

  /**
   * A tab id: random, unique among the tabs of a browser.
   */
  export function randomId(): string {
    const bytes = new Uint8Array(8);
    if (typeof crypto !== 'undefined' && crypto.getRandomValues) {
      crypto.getRandomValues(bytes);
    } else {
      for (let i = 0; i < bytes.length; i++) {
        bytes[i] = Math.floor(Math.random() * 256);
      }
    }
    return Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('');
  }
}
