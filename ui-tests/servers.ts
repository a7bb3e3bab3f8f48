/**
 * Real servers for the browser tests: a JupyterHub with the credit service
 * (demo/jupyterhub_config.py) and a plain JupyterLab, each on free ports in a
 * temporary directory, stopped with SIGTERM.
 */
import { ChildProcess, spawn } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

export const REPO = path.resolve(__dirname, '..');
const BIN = path.join(REPO, '.venv', 'bin');

/** Ports this process handed out: the system may offer one again once closed. */
const HANDED_OUT = new Set<number>();

/**
 * A free TCP port on 127.0.0.1, never one this process handed out before
 * (a hub and its proxy were once given the same one).
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = net.createServer();
      server.unref();
      server.on('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address() as net.AddressInfo;
        server.close(() => resolve(address.port));
      });
    });
    if (!HANDED_OUT.has(port)) {
      HANDED_OUT.add(port);
      return port;
    }
  }
}

/**
 * Polls `url` until it answers 200 or `timeoutMs` passes.
 */
async function waitForHttp(
  url: string,
  timeoutMs: number,
  child: ChildProcess,
  logFile: string
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(
        `${url}: the process exited (${child.exitCode}); see ${logFile}:\n${tail(logFile)}`
      );
    }
    try {
      const response = await fetch(url, { redirect: 'manual' });
      if (response.status === 200) {
        return;
      }
    } catch {
      // Not listening yet.
    }
    await new Promise(resolve => setTimeout(resolve, 250));
  }
  throw new Error(
    `${url} did not answer in ${timeoutMs} ms:\n${tail(logFile)}`
  );
}

function tail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf-8').split('\n').slice(-40).join('\n');
  } catch {
    return '';
  }
}

async function stopProcess(child: ChildProcess | null, ms = 30000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = new Promise<void>(resolve =>
    child.once('exit', () => resolve())
  );
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  await exited;
  clearTimeout(timer);
}

export interface IHubOptions {
  /** Seconds between credit-task runs. */
  taskInterval?: number;
  billingValue?: number;
  billingInterval?: number;
  userCap?: number;
  projectCap?: number;
  /** Stop single-user servers with the hub (default true); false keeps them across a restart. */
  cleanupServers?: boolean;
  /** Every server on its own origin (`subdomain_host = http://localhost:<port>`). */
  subdomain?: boolean;
  /** The environment the hub runs from (default `.venv`); servers run from `.venv`. */
  venv?: string;
  /** The relay's poll period (`c.HubCreditsApp.poll_*_seconds`), for hubs that bill every few seconds. */
  relayPollSeconds?: number;
  /** How long the relay keeps the stream after the last claim lapsed (`c.HubCreditsApp.grace_seconds`). */
  relayGraceSeconds?: number;
}

/**
 * Writes a JupyterLab user-settings file into `dir`.
 */
export function writeUserSettings(
  dir: string,
  pkg: string,
  plugin: string,
  values: Record<string, unknown>
): void {
  const folder = path.join(dir, pkg);
  fs.mkdirSync(folder, { recursive: true });
  fs.writeFileSync(
    path.join(folder, `${plugin}.jupyterlab-settings`),
    JSON.stringify(values)
  );
}

/**
 * What every browser test's JupyterLab is told by `overrides.json`: no
 * "official Jupyter news?" toast (JupyterLab asks a little while after
 * start, in the middle of a test) and no update check.
 */
export const QUIET_OVERRIDES = {
  '@jupyterlab/apputils-extension:notification': {
    fetchNews: 'false',
    checkForUpdates: false
  }
};

/**
 * Makes the JupyterLab started with `configDir` (its JUPYTER_CONFIG_DIR)
 * quiet and self-contained: `overrides.json` with QUIET_OVERRIDES, and
 * user settings and workspaces in the given folders of the test's own
 * temporary directory (no layout restored from an earlier run).
 */
export function writeQuietLab(
  configDir: string,
  dirs: { appSettings: string; userSettings: string; workspaces: string }
): void {
  fs.mkdirSync(dirs.appSettings, { recursive: true });
  fs.writeFileSync(
    path.join(dirs.appSettings, 'overrides.json'),
    JSON.stringify(QUIET_OVERRIDES)
  );
  const lab = {
    app_settings_dir: dirs.appSettings,
    user_settings_dir: dirs.userSettings,
    workspaces_dir: dirs.workspaces
  };
  fs.mkdirSync(configDir, { recursive: true });
  fs.writeFileSync(
    path.join(configDir, 'jupyter_server_config.json'),
    JSON.stringify({ LabApp: lab, JupyterNotebookApp: lab })
  );
}

/**
 * A real JupyterHub running the real jupyterhub-credit-service.
 */
export class TestHub {
  readonly adminToken = randomBytes(24).toString('hex');
  readonly state = fs.mkdtempSync(path.join(os.tmpdir(), 'credits-hub-'));
  readonly password = 'credits';
  port = 0;

  constructor(readonly options: IHubOptions = {}) {}

  /** Where users reach the hub (`localhost` with subdomains: its cookies live there). */
  get url(): string {
    return this.options.subdomain
      ? `http://localhost:${this.port}`
      : `http://127.0.0.1:${this.port}`;
  }

  /** Where the driver reaches the hub's API (Node resolves no `*.localhost`). */
  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /**
   * A user's JupyterLab: on its own origin with subdomains
   * (`http://<user>.localhost:<port>`, the IDNA label of the name).
   */
  labUrl(owner: string): string {
    const origin = this.options.subdomain
      ? `http://${owner}.localhost:${this.port}`
      : this.url;
    return `${origin}/user/${encodeURIComponent(owner)}/lab`;
  }

  get logFile(): string {
    return path.join(this.state, 'jupyterhub.log');
  }

  /**
   * A user's home directory (the single-user server's root), with the
   * quiet JupyterLab of every test (see `writeQuietLab`).
   */
  home(user: string): string {
    const home = path.join(this.state, 'home', user);
    const config = path.join(home, '.jupyter');
    if (!fs.existsSync(path.join(config, 'jupyter_server_config.json'))) {
      writeQuietLab(config, {
        appSettings: path.join(config, 'lab', 'app-settings'),
        userSettings: path.join(config, 'lab', 'user-settings'),
        workspaces: path.join(config, 'lab', 'workspaces')
      });
    }
    return home;
  }

  /**
   * Writes a JupyterLab user setting into a user's home before the server starts.
   */
  userSettings(
    user: string,
    pkg: string,
    plugin: string,
    values: Record<string, unknown>
  ): void {
    writeUserSettings(
      path.join(this.home(user), '.jupyter', 'lab', 'user-settings'),
      pkg,
      plugin,
      values
    );
  }

  async start(): Promise<void> {
    if (!this.port) {
      this.port = await freePort();
      this._apiPort = await freePort();
      this._proxyPort = await freePort();
    }
    const o = this.options;
    const bin = path.join(REPO, o.venv ?? '.venv', 'bin');
    const env = {
      ...process.env,
      PATH: `${bin}:${BIN}:${process.env.PATH}`,
      CREDITS_SINGLEUSER: path.join(BIN, 'jupyterhub-singleuser'),
      CREDITS_HUB_STATE: this.state,
      CREDITS_HUB_PORT: String(this.port),
      CREDITS_HUB_API_PORT: String(this._apiPort),
      CREDITS_PROXY_API_PORT: String(this._proxyPort),
      CREDITS_ADMIN_TOKEN: this.adminToken,
      CREDITS_PASSWORD: this.password,
      CREDITS_TASK_INTERVAL: String(o.taskInterval ?? 1),
      CREDITS_BILLING_VALUE: String(o.billingValue ?? 1),
      CREDITS_BILLING_INTERVAL: String(o.billingInterval ?? 2),
      CREDITS_USER_CAP: String(o.userCap ?? 100),
      CREDITS_PROJECT_CAP: String(o.projectCap ?? 1000),
      CREDITS_CLEANUP_SERVERS: o.cleanupServers === false ? '0' : '1',
      CREDITS_SUBDOMAIN: o.subdomain ? '1' : '0',
      CREDITS_EXPOSE_APP: '1',
      ...(o.relayPollSeconds
        ? { CREDITS_RELAY_POLL_SECONDS: String(o.relayPollSeconds) }
        : {}),
      ...(o.relayGraceSeconds !== undefined
        ? { CREDITS_RELAY_GRACE_SECONDS: String(o.relayGraceSeconds) }
        : {})
    };
    const log = fs.openSync(this.logFile, 'a');
    this._child = spawn(
      path.join(bin, 'jupyterhub'),
      ['-f', path.join(REPO, 'demo', 'jupyterhub_config.py')],
      { cwd: this.state, env, stdio: ['ignore', log, log] }
    );
    fs.closeSync(log);
    await waitForHttp(
      `${this.apiUrl}/hub/api/`,
      60000,
      this._child,
      this.logFile
    );
  }

  async stop(): Promise<void> {
    await stopProcess(this._child);
    this._child = null;
  }

  /**
   * Stops the hub process and starts it again on the same ports and state.
   */
  async restart(downMs = 0): Promise<void> {
    await this.stop();
    await new Promise(resolve => setTimeout(resolve, downMs));
    await this.start();
  }

  /**
   * Stops the hub, its proxy and its servers, and removes its state directory.
   */
  async dispose(): Promise<void> {
    await this.stop();
    if (this.options.cleanupServers === false) {
      // Servers and proxy outlived the hub on purpose: a hub that cleans up
      // adopts them at start and stops them when it stops.
      this.options.cleanupServers = true;
      await this.start();
      await this.stop();
    }
    fs.rmSync(this.state, { recursive: true, force: true });
  }

  /**
   * Calls the hub API as the admin service.
   */
  async api(
    method: string,
    route: string,
    body?: unknown,
    token = this.adminToken
  ): Promise<{ status: number; json: unknown }> {
    const response = await fetch(`${this.apiUrl}/hub/api/${route}`, {
      method,
      headers: {
        Authorization: `token ${token}`,
        'Content-Type': 'application/json'
      },
      body: body === undefined ? undefined : JSON.stringify(body)
    });
    const text = await response.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    if (response.status >= 400) {
      throw new Error(`${method} ${route}: HTTP ${response.status} ${text}`);
    }
    return { status: response.status, json };
  }

  /**
   * Sets a user's "default" credit entry (0 is accepted since 0.4).
   */
  /**
   * A user's servers as the hub reports them ({} when none runs).
   */
  async servers(user: string): Promise<Record<string, unknown>> {
    const { json } = await this.api('GET', `users/${encodeURIComponent(user)}`);
    return (json as { servers: Record<string, unknown> }).servers;
  }

  /**
   * Shares `owner`'s default server with `guest` (JupyterHub 5+).
   */
  async share(owner: string, guest: string): Promise<void> {
    await this.api('POST', `shares/${encodeURIComponent(owner)}/`, {
      user: guest
    });
  }

  async setUserCredits(user: string, values: Record<string, unknown>) {
    await this.api(
      'POST',
      `credits/user/${encodeURIComponent(user)}/default`,
      values,
      await this._adminUserToken()
    );
  }

  async setProjectCredits(project: string, values: Record<string, unknown>) {
    await this.api(
      'POST',
      `credits/project/${encodeURIComponent(project)}`,
      values,
      await this._adminUserToken()
    );
  }

  /**
   * A token of an admin *user*: the credit service's project route reads
   * `current_user.authenticator`, which a service token lacks (HTTP 500).
   */
  private async _adminUserToken(): Promise<string> {
    if (!this._userToken) {
      const { json } = await this.api('POST', 'users/credits-root/tokens', {
        note: 'test driver',
        expires_in: 3600
      });
      this._userToken = (json as { token: string }).token;
    }
    return this._userToken;
  }

  private _child: ChildProcess | null = null;
  private _userToken = '';
  private _apiPort = 0;
  private _proxyPort = 0;
}

/**
 * A plain JupyterLab, not under a hub, with the extension installed.
 */
export class TestLab {
  /**
   * @param venv - the virtual environment to run from (default `.venv`)
   * @param app - `lab`, or `notebook` for Notebook 7
   */
  constructor(
    readonly venv = '.venv',
    readonly app: 'lab' | 'notebook' = 'lab',
    /** Plugin ids to switch off through page_config.json `disabledExtensions`. */
    readonly disabled: string[] = [],
    /** More environment for the server (e.g. the relay's JUPYTERHUB_*). */
    readonly env: Record<string, string> = {}
  ) {}

  readonly token = randomBytes(24).toString('hex');
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'credits-lab-'));
  port = 0;

  get url(): string {
    const page = this.app === 'lab' ? 'lab' : 'tree';
    return `http://127.0.0.1:${this.port}/${page}?token=${this.token}`;
  }

  /**
   * Writes user settings of a plugin, e.g. ('@jupyterlab/docmanager-extension',
   * 'plugin', { autosave: false }), before the server starts.
   */
  userSettings(pkg: string, plugin: string, values: Record<string, unknown>) {
    writeUserSettings(this.settingsDir, pkg, plugin, values);
  }

  readonly settingsDir = path.join(this.root, '.user-settings');

  async start(): Promise<void> {
    // A restart keeps the address: open pages reconnect to it.
    this.port ||= await freePort();
    const logFile = path.join(this.root, 'jupyterlab.log');
    const log = fs.openSync(logFile, 'a');
    const bin = path.join(REPO, this.venv, 'bin');
    // A config dir of its own, searched before the environment's.
    const configDir = path.join(this.root, '.jupyter-config');
    writeQuietLab(configDir, {
      appSettings: path.join(this.root, '.app-settings'),
      userSettings: this.settingsDir,
      workspaces: path.join(this.root, '.workspaces')
    });
    fs.mkdirSync(path.join(configDir, 'labconfig'), { recursive: true });
    fs.writeFileSync(
      path.join(configDir, 'labconfig', 'page_config.json'),
      JSON.stringify({
        disabledExtensions: Object.fromEntries(
          this.disabled.map(id => [id, true])
        )
      })
    );
    this._child = spawn(
      path.join(bin, 'jupyter'),
      [
        this.app,
        '--no-browser',
        '--allow-root',
        `--port=${this.port}`,
        '--ip=127.0.0.1',
        `--IdentityProvider.token=${this.token}`,
        `--ServerApp.root_dir=${this.root}`,
        `--${this.app === 'lab' ? 'LabApp' : 'JupyterNotebookApp'}.expose_app_in_browser=True`
      ],
      {
        cwd: this.root,
        env: {
          ...process.env,
          PATH: `${bin}:${process.env.PATH}`,
          JUPYTERLAB_SETTINGS_DIR: this.settingsDir,
          JUPYTER_CONFIG_DIR: configDir,
          ...this.env,
          // No layout restored from another run.
          JUPYTERLAB_WORKSPACES_DIR: path.join(this.root, '.workspaces')
        },
        stdio: ['ignore', log, log]
      }
    );
    fs.closeSync(log);
    await waitForHttp(
      `http://127.0.0.1:${this.port}/api`,
      60000,
      this._child,
      logFile
    );
  }

  /**
   * Stops the server and starts it again at the same address, with the
   * same files and token (a new run of its server part).
   */
  async restart(): Promise<void> {
    await stopProcess(this._child);
    await this.start();
  }

  async dispose(): Promise<void> {
    await stopProcess(this._child);
    this._child = null;
    fs.rmSync(this.root, { recursive: true, force: true });
  }

  private _child: ChildProcess | null = null;
}

/**
 * A hub at the network edge of a plain JupyterLab's server part, for
 * faults and numbers a real hub is not made to produce: it serves the
 * per-server credits stream (one event from `next()` at once and then
 * every `everyMs`) and the credit list (the last event, named `default`).
 * The server part finds it through the JUPYTERHUB_* variables of `env()`.
 */
export class HubEdge {
  constructor(
    /** The data of the next event, e.g. `{"balance": 95, "cap": 100}`. */
    public next: () => string,
    /** How often each stream gets an event (0: only on `push()`). */
    readonly everyMs = 1000
  ) {}

  port = 0;
  /** Stream connections opened, and list requests answered. */
  streams = 0;
  lists = 0;
  private _server: http.Server | null = null;
  private _last = '';
  private _open = new Set<http.ServerResponse>();

  async start(): Promise<void> {
    this.port = await freePort();
    this._server = http.createServer((request, response) => {
      const url = request.url ?? '';
      if (url.startsWith('/hub/api/credits/sseserver/')) {
        this.streams++;
        response.writeHead(200, { 'Content-Type': 'text/event-stream' });
        response.write('\n\n');
        this._open.add(response);
        this._send(response, this.next());
        const timer =
          this.everyMs > 0
            ? setInterval(() => this._send(response, this.next()), this.everyMs)
            : setInterval(() => response.write('\n\n'), 8000);
        request.on('close', () => {
          clearInterval(timer);
          this._open.delete(response);
        });
      } else if (url === '/hub/api/credits') {
        this.lists++;
        const last = this._last || this.next();
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.end(
          `[${JSON.stringify({ name: 'default', ...JSON.parse(last) })}]`
        );
      } else {
        response.writeHead(404, { 'Content-Type': 'application/json' });
        response.end('{"message": "Not Found"}');
      }
    });
    await new Promise<void>(resolve =>
      this._server!.listen(this.port, '127.0.0.1', resolve)
    );
  }

  /** Sends `next()` on every open stream now. */
  push(): void {
    const data = this.next();
    this._open.forEach(response => this._send(response, data));
  }

  /** Stream connections open now. */
  get open(): number {
    return this._open.size;
  }

  /**
   * What jupyterhub-singleuser would give the server of `user`.
   */
  env(user = 'tester'): Record<string, string> {
    return {
      JUPYTERHUB_API_URL: `http://127.0.0.1:${this.port}/hub/api`,
      JUPYTERHUB_API_TOKEN: randomBytes(16).toString('hex'),
      JUPYTERHUB_USER: user,
      JUPYTERHUB_SERVER_NAME: ''
    };
  }

  async dispose(): Promise<void> {
    this._open.forEach(response => response.end());
    this._server?.closeAllConnections();
    await new Promise(resolve => this._server?.close(resolve));
  }

  private _send(response: http.ServerResponse, data: string): void {
    this._last = data;
    response.write(`data: ${data}\n\n`);
  }
}
