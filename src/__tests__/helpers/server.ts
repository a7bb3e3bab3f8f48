/**
 * This page's Jupyter server at the network edge: a fake `fetch` whose
 * answers a test scripts or holds, and a page whose events a test fires.
 */
import type { IPage } from '../../client/client';
import type { ServerFetch } from '../../client/server';

/**
 * An answer as `fetch` gives it: a status, a body (JSON unless a string)
 * and the response type (`opaqueredirect` for a redirect not followed).
 */
export function answer(
  status: number,
  body?: unknown,
  type: ResponseType = 'basic'
): Response {
  const text =
    body === undefined
      ? ''
      : typeof body === 'string'
        ? body
        : JSON.stringify(body);
  return {
    status,
    ok: status >= 200 && status < 300,
    type,
    body: { cancel: async () => undefined },
    json: async () => JSON.parse(text) as unknown,
    text: async () => text
  } as unknown as Response;
}

/**
 * One request, answered when the test says so (or at once).
 */
export interface IHeldRequest {
  readonly path: string;
  readonly method: string;
  readonly init: RequestInit;
  settled: boolean;
  resolve(response: Response): void;
  reject(error: unknown): void;
}

/**
 * What the fake server answers: a response, an error (`fetch` rejects), or
 * `undefined` to hold the request until the test answers it.
 */
export type Responder = (
  path: string,
  method: string
) => Response | Error | undefined;

export class FakeServer {
  /** Every request, in order. */
  readonly requests: IHeldRequest[] = [];

  respond: Responder = () => undefined;

  readonly fetch: ServerFetch = (path, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const method = init.method ?? 'GET';
      const request: IHeldRequest = {
        path,
        method,
        init,
        settled: false,
        resolve: response => {
          request.settled = true;
          resolve(response);
        },
        reject: error => {
          request.settled = true;
          reject(error);
        }
      };
      this.requests.push(request);
      init.signal?.addEventListener('abort', () =>
        request.reject(new DOMException('aborted', 'AbortError'))
      );
      const now = this.respond(path, method);
      if (now instanceof Error) {
        request.reject(now);
      } else if (now !== undefined) {
        request.resolve(now);
      }
    });

  /** `METHOD path` of every request, in order. */
  get log(): string[] {
    return this.requests.map(r => `${r.method} ${r.path}`);
  }

  /** The requests that wait for an answer. */
  get held(): IHeldRequest[] {
    return this.requests.filter(r => !r.settled);
  }

  /** How many requests went to `path` (with `method`). */
  count(path: string, method?: string): number {
    return this.requests.filter(
      r => r.path === path && (method === undefined || r.method === method)
    ).length;
  }
}

/**
 * The browser page: visible and online unless the test says otherwise.
 */
export class FakePage implements IPage {
  visible = true;
  online = true;

  listen(
    target: 'window' | 'document',
    type: string,
    listener: (event: Event) => void
  ): () => void {
    const key = `${target}:${type}`;
    const set = this._listeners.get(key) ?? new Set();
    set.add(listener);
    this._listeners.set(key, set);
    return () => set.delete(listener);
  }

  /** Fires an event, as the browser would (`persisted`: a pageshow from the back/forward cache). */
  fire(target: 'window' | 'document', type: string, persisted?: boolean): void {
    const event = new Event(type);
    if (persisted !== undefined) {
      Object.defineProperty(event, 'persisted', { value: persisted });
    }
    for (const listener of [
      ...(this._listeners.get(`${target}:${type}`) ?? [])
    ]) {
      listener(event);
    }
  }

  /** How many listeners are registered. */
  get listening(): number {
    let count = 0;
    this._listeners.forEach(set => (count += set.size));
    return count;
  }

  private _listeners = new Map<string, Set<(event: Event) => void>>();
}

/**
 * Lets every promise chain that can run, run (on the real clock: what the
 * code under test waits for runs on its own, manual, clock).
 */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) {
    await new Promise(resolve => setTimeout(resolve, 0));
  }
}
