/**
 * The page's hub token (and credentials) go only to the hub's origin as
 * PageConfig gives it (`hubHost`, or the page's origin): a settings
 * `hubUrl` elsewhere gets neither (issue 21.2). Examples, then a seeded
 * fast-check property over generated origins and URLs.
 */
import fc from 'fast-check';
import { streamEndpoints } from '../../connection/endpoints';
import type { AuthMode, EndpointMode } from '../../connection/endpoints';
import { readHubLocation } from '../../connection/hub';
import {
  UNTRUSTED_HUB_REASON,
  hubCredentials,
  hubToken
} from '../../connection/trust';
import type { IHubLocation } from '../../connection/hub';
import { requestStop } from '../../connection/stop';

// The stop's dialog and notices are not used here.
jest.mock('@jupyterlab/apputils', () => ({}));

const MODES: EndpointMode[] = ['auto', 'server', 'user', 'relay'];
const AUTHS: AuthMode[] = ['auto', 'cookie', 'token'];
const TOKEN = 'secret-page-token';

function pageConfig(options: Record<string, string>) {
  const values: Record<string, string> = {
    hubPrefix: '/hub/',
    hubUser: 'alice',
    baseUrl: '/user/alice/',
    ...options
  };
  return (name: string) => values[name] ?? '';
}

function hubAt(
  hubHost: string,
  hubUrl: string,
  pageOrigin: string
): IHubLocation {
  const hub = readHubLocation(pageConfig({ hubHost }), hubUrl, pageOrigin);
  expect(hub).not.toBeNull();
  return hub!;
}

/** Every endpoint of every mode and auth. */
function allEndpoints(hub: IHubLocation, pageOrigin: string) {
  return MODES.flatMap(mode =>
    AUTHS.flatMap(auth => streamEndpoints(hub, mode, auth, TOKEN, pageOrigin))
  );
}

/** The origin a URL of the page goes to. */
function originOf(url: string, pageOrigin: string): string {
  return new URL(url, `${pageOrigin}/user/alice/lab`).origin;
}

describe('which hub is trusted with the token', () => {
  const PAGE = 'https://alice.hub.example.org';

  it('a hubUrl on another origin: no endpoint carries the token, no credentials', () => {
    for (const hubHost of ['', 'https://hub.example.org']) {
      const hub = hubAt(hubHost, 'https://evil.example.com/hub/', PAGE);
      expect(hub.trusted).toBe(false);
      const endpoints = allEndpoints(hub, PAGE);
      expect(endpoints.length).toBeGreaterThan(0);
      for (const endpoint of endpoints) {
        expect(endpoint.token).toBeUndefined();
      }
      expect(hubCredentials(hub, PAGE)).toBe('omit');
      expect(hubToken(hub, TOKEN)).toBe('');
    }
  });

  it('says why when a hub URL of the settings is asked without the token', () => {
    const hub = hubAt('', 'https://evil.example.com/hub/', PAGE);
    const labels = streamEndpoints(hub, 'server', 'token', TOKEN, PAGE).map(
      e => e.label
    );
    expect(labels).toEqual([`per-server stream, ${UNTRUSTED_HUB_REASON}`]);
    expect(UNTRUSTED_HUB_REASON).toBe(
      "the hub URL in the settings is not this hub's origin: no token sent"
    );
  });

  it('auto does not ask an untrusted hub at all: the relay alone', () => {
    // Even a hub URL on the page's own origin, where PageConfig's hub is elsewhere.
    const hub = hubAt('https://hub.example.org', '/hub/', PAGE);
    expect(hub.trusted).toBe(false);
    expect(
      streamEndpoints(hub, 'auto', 'auto', TOKEN, PAGE).map(e => e.label)
    ).toEqual(['relay']);
  });

  it('the PageConfig hub origin: the token is sent, with its credentials', () => {
    // The hub on another origin (subdomain_host), named by the settings as
    // PageConfig names it (case and default port do not matter).
    const hub = hubAt(
      'https://hub.example.org',
      'https://HUB.example.org:443/hub/',
      PAGE
    );
    expect(hub.trusted).toBe(true);
    const [, token] = streamEndpoints(hub, 'server', 'auto', TOKEN, PAGE);
    expect(token.token).toBe(TOKEN);
    expect(originOf(token.url, PAGE)).toBe('https://hub.example.org');
    expect(hubCredentials(hub, PAGE)).toBe('include');
    // And with no hubUrl at all.
    expect(hubAt('https://hub.example.org', '', PAGE).trusted).toBe(true);
  });

  it("a relative hubUrl at the hub's own prefix is this hub, trusted", () => {
    const ORIGIN = 'https://hub.example.org';
    const hub = hubAt('', '/hub/', ORIGIN);
    expect(hub.trusted).toBe(true);
    const endpoints = streamEndpoints(hub, 'auto', 'auto', TOKEN, ORIGIN);
    expect(endpoints[1]).toMatchObject({
      url: '/hub/api/credits/sseserver/alice',
      token: TOKEN
    });
    expect(originOf(endpoints[1].url, ORIGIN)).toBe(ORIGIN);
    expect(hubCredentials(hub, ORIGIN)).toBe('same-origin');
  });

  it("another path on the hub's origin is not the hub: another user's server gets no token", () => {
    // Without subdomains every user's server shares the hub's origin.
    const ORIGIN = 'https://hub.example.org';
    for (const hubUrl of [
      '/user/mallory/',
      'https://hub.example.org/user/mallory/',
      '/other/hub/',
      // A path that looks like a host stays a path on the page's origin.
      '//evil.example.com/hub/'
    ]) {
      const hub = hubAt('', hubUrl, ORIGIN);
      expect(hub.trusted).toBe(false);
      expect(hubCredentials(hub, ORIGIN)).toBe('omit');
      for (const endpoint of allEndpoints(hub, ORIGIN)) {
        expect(endpoint.token).toBeUndefined();
        expect(originOf(endpoint.url, ORIGIN)).toBe(ORIGIN);
      }
    }
  });

  it('an absolute hubUrl naming the page origin, without hubHost: trusted, same origin', () => {
    const ORIGIN = 'http://127.0.0.1:8000';
    const hub = hubAt('', 'http://127.0.0.1:8000/hub/', ORIGIN);
    expect(hub.trusted).toBe(true);
    expect(hubCredentials(hub, ORIGIN)).toBe('same-origin');
    const other = hubAt('', 'http://127.0.0.1:8001/hub/', ORIGIN);
    expect(other.trusted).toBe(false);
  });

  it('nothing is trusted when the page origin cannot be told', () => {
    expect(hubAt('', 'https://hub.example.org/hub/', 'null').trusted).toBe(
      false
    );
    expect(hubAt('', 'https://hub.example.org/hub/', '').trusted).toBe(false);
  });
});

describe('generated origins and hub URLs (fast-check, seeded)', () => {
  const scheme = fc.constantFrom('http', 'https');
  const hostName = fc.constantFrom(
    'hub.example.org',
    'HUB.example.org',
    'alice.hub.example.org',
    'example.org',
    'evil.example.com',
    'localhost',
    'alice.localhost',
    '127.0.0.1',
    '[::1]',
    'xn--bcher-kva.example'
  );
  const port = fc.constantFrom('', ':80', ':443', ':8000', ':8443');
  const origin = fc
    .tuple(scheme, hostName, port)
    .map(([s, h, p]) => `${s}://${h}${p}`);
  const path = fc
    .array(
      fc.constantFrom('hub', 'base', 'x y', '%2e%2e', '..', '', 'a@b', '/'),
      { maxLength: 4 }
    )
    .map(parts => `/${parts.join('/')}`);
  const hubUrl = fc.oneof(
    fc.constant(''),
    path,
    fc.tuple(origin, path).map(([o, p]) => `${o}${p}`),
    fc.tuple(origin, path).map(([o, p]) => `${o}${p}`.toUpperCase()),
    fc.string({ maxLength: 30 })
  );
  const hubHost = fc.oneof(
    fc.constant(''),
    origin,
    origin.map(o => `${o}/`)
  );

  /** The trusted origin: PageConfig's hubHost, else the page's. */
  function trustedOrigin(host: string, page: string): string {
    return new URL(`${host.replace(/\/+$/, '')}/`, `${page}/`).origin;
  }

  it('the token never goes to an origin other than the trusted one', async () => {
    await fc.assert(
      fc.asyncProperty(
        hubHost,
        hubUrl,
        origin,
        async (host, override, page) => {
          const hub = readHubLocation(
            pageConfig({ hubHost: host }),
            override,
            page
          );
          if (!hub) {
            return;
          }
          const trusted = trustedOrigin(host, page);
          for (const endpoint of allEndpoints(hub, page)) {
            if (endpoint.token) {
              expect(endpoint.token).toBe(TOKEN);
              expect(originOf(endpoint.url, page)).toBe(trusted);
              // And only under the hub's own prefix (PageConfig's '/hub/'):
              // never another user's server on the same origin.
              expect(new URL(endpoint.url, `${page}/`).pathname).toMatch(
                /^\/hub\//
              );
            }
            expect(endpoint.url).not.toContain(TOKEN);
          }
          if (hubCredentials(hub, page) !== 'omit') {
            expect(originOf(`${hub.host}${hub.prefix}`, page)).toBe(trusted);
          }
          // The stop, where the relay is missing, asks the hub directly.
          for (const auth of AUTHS) {
            const seen: { url: string; init: RequestInit }[] = [];
            await requestStop(hub, auth, TOKEN, page, {
              server: async () => new Response(null, { status: 404 }),
              hub: async (url, init) => {
                seen.push({ url, init });
                return new Response(null, { status: 202 });
              }
            });
            for (const { url, init } of seen) {
              const headers = (init.headers ?? {}) as Record<string, string>;
              expect(originOf(url, page)).toBe(trusted);
              expect(headers.Authorization).toBe(`token ${TOKEN}`);
              expect(init.credentials).not.toBe('include');
            }
          }
        }
      ),
      { seed: 20261201, numRuns: 2000 }
    );
  });
});
