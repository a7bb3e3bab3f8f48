import {
  serverStreamUrl,
  streamEndpoints,
  userStreamUrl
} from '../../connection/endpoints';
import { hubHomeUrl, hubUrl, readHubLocation } from '../../connection/hub';

function pageConfig(options: Record<string, string>) {
  return (name: string) => options[name] ?? '';
}

describe('readHubLocation', () => {
  it('is null when the page does not run under a hub', () => {
    expect(readHubLocation(pageConfig({ hubUser: 'alice' }))).toBeNull();
    expect(readHubLocation(pageConfig({ hubPrefix: '/hub/' }))).toBeNull();
  });

  it('prefers the server owner over the visiting user', () => {
    const hub = readHubLocation(
      pageConfig({
        hubPrefix: '/hub/',
        hubUser: 'admin',
        hubServerUser: 'alice'
      })
    );
    expect(hub).toEqual({
      host: '',
      prefix: '/hub/',
      user: 'alice',
      serverName: '',
      viewer: 'admin',
      baseUrl: '/',
      trusted: true
    });
  });

  it('falls back to hubUser on JupyterHub before 5', () => {
    const hub = readHubLocation(
      pageConfig({
        hubPrefix: '/base/hub/',
        hubUser: 'bob',
        hubServerName: 'gpu'
      })
    );
    expect(hub?.user).toBe('bob');
    expect(hub?.serverName).toBe('gpu');
    expect(hub?.prefix).toBe('/base/hub/');
  });

  it('normalizes the prefix and the host', () => {
    const hub = readHubLocation(
      pageConfig({
        hubPrefix: 'hub',
        hubHost: 'https://hub.example.org/',
        hubUser: 'a'
      })
    );
    expect(hub?.prefix).toBe('/hub/');
    expect(hub?.host).toBe('https://hub.example.org');
  });

  it('takes host and prefix from a settings override (another origin: not trusted)', () => {
    const read = pageConfig({ hubPrefix: '/hub/', hubUser: 'a' });
    expect(
      readHubLocation(
        read,
        'https://other.example.org/x/hub/',
        'https://hub.example.org'
      )
    ).toEqual({
      host: 'https://other.example.org',
      prefix: '/x/hub/',
      user: 'a',
      serverName: '',
      viewer: 'a',
      baseUrl: '/',
      trusted: false
    });
    expect(readHubLocation(read, '/y/hub')?.prefix).toBe('/y/hub/');
  });

  it('tells the viewer from the owner (a guest of a shared server)', () => {
    const hub = readHubLocation(
      pageConfig({
        hubPrefix: '/hub/',
        hubUser: 'bob',
        hubServerUser: 'alice',
        baseUrl: '/user/alice/'
      })
    );
    expect(hub?.user).toBe('alice');
    expect(hub?.viewer).toBe('bob');
    expect(hub?.baseUrl).toBe('/user/alice/');
  });

  it('rejects an override that is not an http(s) URL or a path', () => {
    const read = pageConfig({ hubPrefix: '/hub/', hubUser: 'a' });
    expect(readHubLocation(read, 'javascript:alert(1)')).toBeNull();
    expect(readHubLocation(read, 'not a url')).toBeNull();
  });
});

describe('hub URLs', () => {
  const hub = {
    host: '',
    prefix: '/hub/',
    user: 'a.b+c@example.org',
    serverName: '',
    viewer: 'a.b+c@example.org',
    baseUrl: '/user/a.b+c@example.org/',
    trusted: true
  };

  it('builds the per-server stream URL for the default server', () => {
    expect(serverStreamUrl(hub)).toBe(
      '/hub/api/credits/sseserver/a.b%2Bc%40example.org'
    );
  });

  it('encodes a named server as its own path segment', () => {
    expect(serverStreamUrl({ ...hub, user: 'x', serverName: 'my gpu/1' })).toBe(
      '/hub/api/credits/sseserver/x/my%20gpu%2F1'
    );
  });

  it('keeps a cross-origin host', () => {
    const remote = { ...hub, host: 'https://hub.example.org', user: 'x' };
    expect(userStreamUrl(remote)).toBe(
      'https://hub.example.org/hub/api/credits/sse'
    );
    expect(hubHomeUrl(remote)).toBe('https://hub.example.org/hub/home');
    expect(hubUrl(remote, 'api/credits/stopserver', 'x', '')).toBe(
      'https://hub.example.org/hub/api/credits/stopserver/x'
    );
  });
});

describe('streamEndpoints', () => {
  const hub = {
    host: '',
    prefix: '/hub/',
    user: 'u',
    serverName: '',
    viewer: 'u',
    baseUrl: '/user/u/',
    trusted: true
  };
  const ORIGIN = 'https://hub.example.org';
  const labels = (...args: Parameters<typeof streamEndpoints>) =>
    streamEndpoints(...args).map(e => e.label);

  it('auto, the owner on the hub origin: per-server with cookie, then token, then the per-user stream, then the relay', () => {
    expect(streamEndpoints(hub, 'auto', 'auto', 'tok', ORIGIN)).toEqual([
      {
        url: '/hub/api/credits/sseserver/u',
        label: 'per-server stream, cookie',
        crossOrigin: false
      },
      {
        url: '/hub/api/credits/sseserver/u',
        token: 'tok',
        label: 'per-server stream, token',
        crossOrigin: false
      },
      {
        url: '/hub/api/credits/sse',
        label: 'per-user stream, cookie',
        crossOrigin: false
      },
      {
        url: '/hub/api/credits/sse',
        token: 'tok',
        label: 'per-user stream, token',
        crossOrigin: false
      },
      { url: '/user/u/hub-credits/stream', label: 'relay', via: 'relay' }
    ]);
  });

  it('auto, a hub on another origin (subdomain_host): the relay alone', () => {
    const remote = { ...hub, host: 'https://hub.example.org' };
    expect(
      labels(remote, 'auto', 'auto', 'tok', 'https://u.hub.example.org')
    ).toEqual(['relay']);
    // The same host as the page's counts as the page's origin.
    expect(labels(remote, 'auto', 'auto', 'tok', ORIGIN)).toHaveLength(5);
  });

  it('auto, a guest of a shared server or an admin: the relay alone', () => {
    expect(
      labels({ ...hub, viewer: 'guest' }, 'auto', 'auto', 't', ORIGIN)
    ).toEqual(['relay']);
  });

  it('relay forced', () => {
    expect(labels(hub, 'relay', 'auto', 'tok', ORIGIN)).toEqual(['relay']);
  });

  it('marks hub endpoints on another origin, so a CORS failure moves on', () => {
    const remote = { ...hub, host: 'https://hub.example.org' };
    const [first] = streamEndpoints(
      remote,
      'server',
      'cookie',
      '',
      'https://u.x'
    );
    expect(first.crossOrigin).toBe(true);
  });

  it('no token: cookie only', () => {
    expect(
      streamEndpoints(hub, 'server', 'auto', '', ORIGIN).map(e => e.label)
    ).toEqual(['per-server stream, cookie']);
  });

  it('forced modes', () => {
    expect(
      streamEndpoints(hub, 'user', 'token', 'tok', ORIGIN).map(e => e.label)
    ).toEqual(['per-user stream, token']);
    expect(streamEndpoints(hub, 'server', 'token', '', ORIGIN)).toEqual([]);
  });

  it('never puts the token into a URL', () => {
    for (const endpoint of streamEndpoints(
      hub,
      'auto',
      'auto',
      'tok',
      ORIGIN
    )) {
      expect(endpoint.url).not.toContain('tok');
    }
  });
});
