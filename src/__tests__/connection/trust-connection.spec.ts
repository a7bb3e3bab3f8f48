/**
 * The whole connection, fetch faked at the edge: a settings `hubUrl` on
 * another origin gets neither the page's token nor its credentials, on any
 * endpoint or auth setting; the hub PageConfig names gets the token
 * (issue 21.2).
 */
import { CreditsConnection } from '../../connection/connection';
import type { AuthMode, EndpointMode } from '../../connection/endpoints';
import { readHubLocation } from '../../connection/hub';
import { CreditsModel } from '../../model/model';

const TOKEN = 'secret-page-token';

interface ISeen {
  url: string;
  init: RequestInit;
}

/**
 * Connects with `hubUrl` and the given settings, and returns every request
 * the page made to anything but this server (its relay).
 */
async function hubRequests(
  hubUrl: string,
  endpoint: EndpointMode,
  auth: AuthMode
): Promise<ISeen[]> {
  const seen: ISeen[] = [];
  const original = window.fetch;
  window.fetch = ((input: RequestInfo | URL, init: RequestInit = {}) => {
    // JupyterLab's requests to this server come as Request objects.
    const url =
      typeof input === 'string'
        ? input
        : input instanceof URL
          ? input.href
          : input.url;
    seen.push({ url, init });
    // Never answers: the first request of each attempt is what counts.
    return new Promise<Response>(() => undefined);
  }) as typeof window.fetch;
  const options: Record<string, string> = {
    hubPrefix: '/hub/',
    hubUser: 'alice',
    baseUrl: '/user/alice/'
  };
  const hub = readHubLocation(name => options[name] ?? '', hubUrl)!;
  const connection = new CreditsConnection({
    model: new CreditsModel(),
    token: TOKEN
  });
  try {
    connection.configure({
      hub,
      endpoint,
      auth,
      share: false,
      timings: {}
    });
    await new Promise(resolve => setTimeout(resolve, 50));
  } finally {
    connection.dispose();
    window.fetch = original;
  }
  return seen.filter(s => !s.url.includes('/user/alice/'));
}

function authorization(init: RequestInit): string | undefined {
  return (init.headers as Record<string, string> | undefined)?.Authorization;
}

describe('the connection and the hub URL of the settings', () => {
  const modes: EndpointMode[] = ['server', 'user', 'auto'];
  const auths: AuthMode[] = ['auto', 'token', 'cookie'];

  it.each(modes.flatMap(m => auths.map(a => [m, a] as const)))(
    'another origin, endpoint %s, auth %s: no token, no credentials',
    async (endpoint, auth) => {
      const seen = await hubRequests(
        'https://evil.example.com/hub/',
        endpoint,
        auth
      );
      for (const { url, init } of seen) {
        expect(new URL(url).origin).toBe('https://evil.example.com');
        expect(authorization(init)).toBeUndefined();
        expect(init.credentials).toBe('omit');
      }
      // Forced direct ways still ask where the settings say (without
      // anything of this page's); auto asks only the relay.
      expect(seen.length > 0).toBe(endpoint !== 'auto');
    }
  );

  it("this hub's origin (the page's, as PageConfig gives it): the token goes in the header", async () => {
    const seen = await hubRequests(
      `${window.location.origin}/hub/`,
      'server',
      'token'
    );
    expect(seen.length).toBeGreaterThan(0);
    for (const { url, init } of seen) {
      expect(new URL(url, window.location.href).origin).toBe(
        window.location.origin
      );
      expect(authorization(init)).toBe(`token ${TOKEN}`);
      expect(init.credentials).toBe('same-origin');
      expect(url).not.toContain(TOKEN);
    }
  });
});
