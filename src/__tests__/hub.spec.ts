import { serverStreamUrl, streamEndpoints, userStreamUrl } from '../endpoints';
import { hubHomeUrl, hubUrl, readHubLocation } from '../hub';

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
      serverName: ''
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

  it('takes host and prefix from a settings override', () => {
    const read = pageConfig({ hubPrefix: '/hub/', hubUser: 'a' });
    expect(readHubLocation(read, 'https://other.example.org/x/hub/')).toEqual({
      host: 'https://other.example.org',
      prefix: '/x/hub/',
      user: 'a',
      serverName: ''
    });
    expect(readHubLocation(read, '/y/hub')?.prefix).toBe('/y/hub/');
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
    serverName: ''
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
  const hub = { host: '', prefix: '/hub/', user: 'u', serverName: '' };

  it('auto/auto: per-server with cookie, then token, then the per-user stream', () => {
    expect(streamEndpoints(hub, 'auto', 'auto', 'tok')).toEqual([
      {
        url: '/hub/api/credits/sseserver/u',
        label: 'per-server stream, cookie'
      },
      {
        url: '/hub/api/credits/sseserver/u',
        token: 'tok',
        label: 'per-server stream, token'
      },
      { url: '/hub/api/credits/sse', label: 'per-user stream, cookie' },
      {
        url: '/hub/api/credits/sse',
        token: 'tok',
        label: 'per-user stream, token'
      }
    ]);
  });

  it('no token: cookie only', () => {
    expect(
      streamEndpoints(hub, 'server', 'auto', '').map(e => e.label)
    ).toEqual(['per-server stream, cookie']);
  });

  it('forced modes', () => {
    expect(
      streamEndpoints(hub, 'user', 'token', 'tok').map(e => e.label)
    ).toEqual(['per-user stream, token']);
    expect(streamEndpoints(hub, 'server', 'token', '')).toEqual([]);
  });

  it('never puts the token into a URL', () => {
    for (const endpoint of streamEndpoints(hub, 'auto', 'auto', 'tok')) {
      expect(endpoint.url).not.toContain('tok');
    }
  });
});
