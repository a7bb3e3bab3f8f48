/**
 * Test helpers: a fake `fetch` at the network edge that serves scripted
 * responses whose bodies the test feeds chunk by chunk.
 */
import type { FetchFunction } from '../../connection/attempt';

/**
 * A response body the test writes to, then ends or breaks.
 */
export class Body {
  readonly stream: ReadableStream<Uint8Array>;

  constructor() {
    this.stream = new ReadableStream<Uint8Array>({
      start: controller => {
        this._controller = controller;
      },
      cancel: () => {
        this.cancelled = true;
      }
    });
  }

  send(chunk: string | Uint8Array): void {
    this._controller.enqueue(
      typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk
    );
  }

  end(): void {
    this._controller.close();
  }

  fail(message = 'socket hang up'): void {
    this._controller.error(new TypeError(message));
  }

  cancelled = false;
  private _controller!: ReadableStreamDefaultController<Uint8Array>;
}

/**
 * One scripted answer: a response, a network error, or no answer at all.
 */
export type Answer =
  | {
      status: number;
      headers?: Record<string, string>;
      body?: Body;
      type?: string;
    }
  | { networkError: string }
  | { hang: true };

export interface IRequest {
  url: string;
  init: RequestInit;
}

/**
 * A fetch that answers each request with the next scripted answer.
 */
export function scriptedFetch(answers: Answer[]): {
  fetch: FetchFunction;
  requests: IRequest[];
} {
  const requests: IRequest[] = [];
  const fetch: FetchFunction = (url, init) => {
    requests.push({ url, init });
    const answer = answers.shift();
    if (!answer) {
      return Promise.reject(new Error(`unexpected request ${requests.length}`));
    }
    if ('networkError' in answer) {
      return Promise.reject(new TypeError(answer.networkError));
    }
    if ('hang' in answer) {
      return new Promise((_resolve, reject) => {
        init.signal?.addEventListener('abort', () =>
          reject(new DOMException('aborted', 'AbortError'))
        );
      });
    }
    if (answer.type === 'opaqueredirect') {
      // What `redirect: 'manual'` yields in a browser; Node's Response
      // constructor cannot build it (status 0).
      return Promise.resolve({
        type: 'opaqueredirect',
        status: 0,
        headers: new Headers(),
        body: null
      } as unknown as Response);
    }
    return Promise.resolve(
      new Response(answer.body?.stream ?? null, {
        status: answer.status,
        headers: answer.headers
      })
    );
  };
  return { fetch, requests };
}

export const SSE = { 'Content-Type': 'text/event-stream' };

/**
 * Resolves when `condition` holds (polled every few ms); fails after `ms`.
 * For real-time tests: it waits for a state, never for a fixed time.
 */
export async function until(
  condition: () => boolean,
  ms = 5000
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${ms} ms`);
    }
    await new Promise(resolve => setTimeout(resolve, 2));
  }
}
