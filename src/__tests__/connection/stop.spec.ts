/**
 * The stop request (hardening finding 4: owners only, and auth honoured).
 */
import { stopRequest } from '../../connection/stop';
import { HUB as hub } from '../helpers/fixtures';

describe('the stop request', () => {
  it('honours auth: cookie (no token header), and sends the token otherwise', async () => {
    const seen: RequestInit[] = [];
    const fetch = async (_url: string, init: RequestInit) => {
      seen.push(init);
      return new Response(null, { status: 202 });
    };
    await stopRequest(hub, 'cookie', 'tok', fetch);
    await stopRequest(hub, 'auto', 'tok', fetch);
    expect(seen[0].headers).toEqual({});
    expect(seen[1].headers).toEqual({ Authorization: 'token tok' });
    expect(seen.every(init => init.method === 'DELETE')).toBe(true);
  });
});
