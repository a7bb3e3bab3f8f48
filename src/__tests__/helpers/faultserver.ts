/**
 * A small real SSE server on 127.0.0.1 (random port) that misbehaves in the
 * ways a hub, a proxy or a network can. Every request is recorded with the
 * time it arrived.
 */
import * as http from 'http';
import type { AddressInfo } from 'net';

export interface IRecordedRequest {
  path: string;
  at: number;
  authorization: string | undefined;
}

const SNAPSHOT = 'data: {"balance": 10, "cap": 20}\n\n';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

function sse(res: http.ServerResponse): void {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-cache'
  });
  res.write('\n\n');
}

export class FaultServer {
  readonly requests: IRecordedRequest[] = [];

  async start(): Promise<void> {
    this._server = http.createServer((req, res) => this._handle(req, res));
    await new Promise<void>(resolve =>
      this._server.listen(0, '127.0.0.1', () => resolve())
    );
  }

  url(path: string): string {
    const { port } = this._server.address() as AddressInfo;
    return `http://127.0.0.1:${port}${path}`;
  }

  hits(path: string): IRecordedRequest[] {
    return this.requests.filter(r => r.path === path);
  }

  async stop(): Promise<void> {
    for (const timer of this._timers) {
      clearInterval(timer);
    }
    this._server.closeAllConnections();
    await new Promise<void>(resolve => this._server.close(() => resolve()));
  }

  private _handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    this.requests.push({
      path: url.pathname,
      at: Date.now(),
      authorization: req.headers.authorization
    });
    const status = /^\/status\/(\d+)$/.exec(url.pathname);
    if (status) {
      const headers: Record<string, string> = {
        'Content-Type': 'application/json'
      };
      const retryAfter = url.searchParams.get('retry-after');
      if (retryAfter) {
        headers['Retry-After'] = retryAfter;
      }
      res.writeHead(Number(status[1]), headers);
      res.end(JSON.stringify({ status: Number(status[1]), message: 'nope' }));
      return;
    }
    const handler = this._routes[url.pathname];
    if (handler) {
      handler(req, res);
    } else {
      res.writeHead(404).end();
    }
  }

  private _every(ms: number, res: http.ServerResponse, fn: () => void) {
    const timer = setInterval(fn, ms);
    this._timers.push(timer);
    res.on('close', () => clearInterval(timer));
  }

  /** Requests served so far per path, for routes that change their answer. */
  private _served = new Map<string, number>();

  private _nth(path: string): number {
    const n = (this._served.get(path) ?? 0) + 1;
    this._served.set(path, n);
    return n;
  }

  private _routes: Record<string, Handler> = {
    // A hub restarting under a live stream: the connection drops, the hub
    // answers 409 twice while it checks its servers, then streams again.
    '/restarting-hub': (_req, res) => {
      const n = this._nth('/restarting-hub');
      if (n === 1) {
        sse(res);
        res.write(SNAPSHOT, () => res.socket?.destroy());
      } else if (n <= 3) {
        res
          .writeHead(409)
          .end('{"status": 409, "message": "Server is not running."}');
      } else {
        sse(res);
        res.write(SNAPSHOT);
        this._every(50, res, () => res.write('\n\n'));
      }
    },
    // The server really is gone: the drop is followed by 409 for good.
    '/gone-after-drop': (_req, res) => {
      const n = this._nth('/gone-after-drop');
      if (n === 1) {
        sse(res);
        res.write(SNAPSHOT, () => res.socket?.destroy());
      } else {
        res
          .writeHead(409)
          .end('{"status": 409, "message": "Server is not running."}');
      }
    },
    '/normal': (_req, res) => {
      sse(res);
      res.write(SNAPSHOT);
      this._every(50, res, () => res.write('\n\n'));
    },
    '/drop-after-one': (_req, res) => {
      sse(res);
      res.write(SNAPSHOT, () => res.socket?.destroy());
    },
    '/clean-end': (_req, res) => {
      sse(res);
      res.end(SNAPSHOT);
    },
    '/silence': (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.flushHeaders();
    },
    '/no-headers': () => {
      // Accepts the request and never answers.
    },
    '/login-redirect': (_req, res) => {
      res.writeHead(302, { Location: '/hub/login?next=%2Fhub%2F' }).end();
    },
    '/login-page': (_req, res) => {
      res
        .writeHead(200, { 'Content-Type': 'text/html; charset=UTF-8' })
        .end('<html><form id="login"></form></html>');
    },
    '/malformed-then-good': (_req, res) => {
      sse(res);
      res.write('data: {"balance": oops\n\n');
      res.write('data: [1, 2]\n\n');
      res.write(SNAPSHOT);
      this._every(50, res, () => res.write('\n\n'));
    },
    '/trickle': (_req, res) => {
      sse(res);
      const bytes = Buffer.from(
        'data: {"balance": 7, "cap": 20, "project": {"name": "Zürich €", "balance": 3, "cap": 5}}\n\n'
      );
      let i = 0;
      this._every(3, res, () => {
        if (i < bytes.length) {
          res.write(bytes.subarray(i, ++i));
        }
      });
    },
    // Large but under the 1-MB cap: read whole.
    '/large': (_req, res) => {
      sse(res);
      const pad = 'x'.repeat(900 * 1024);
      res.write(`data: {"balance": 11, "cap": 20, "pad": "${pad}"}\n\n`);
      this._every(50, res, () => res.write('\n\n'));
    },
    // Over the cap: refused, and the next connection is fine.
    '/huge': (_req, res) => {
      sse(res);
      if (this._nth('/huge') === 1) {
        const pad = 'x'.repeat(3 * 1024 * 1024);
        res.write(`data: {"balance": 11, "cap": 20, "pad": "${pad}"}\n\n`);
      } else {
        res.write(SNAPSHOT);
      }
      this._every(50, res, () => res.write('\n\n'));
    },
    // A line that never ends, a byte every millisecond (each byte re-arms
    // the watchdog): cut at the cap, never a buffer that grows for ever.
    '/endless-line': (_req, res) => {
      sse(res);
      res.write('data: {"balance": 1');
      const chunk = '0'.repeat(64 * 1024);
      this._every(1, res, () => res.write(chunk));
    },
    '/error-event': (_req, res) => {
      sse(res);
      res.write(SNAPSHOT);
      res.end(
        'data: {"error": "Your Server is no longer running.\\nRestart of Jupyter Server required."}\n\n'
      );
    },
    '/retry-field': (_req, res) => {
      sse(res);
      res.end('retry: 300\n\n');
    }
  };

  private _server!: http.Server;
  private _timers: ReturnType<typeof setInterval>[] = [];
}
