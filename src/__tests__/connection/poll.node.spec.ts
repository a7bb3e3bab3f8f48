/**
 * What a poll of the hub's credit list means: a 404 is "free" only when the
 * credit service says no entry pays (as the relay reads it).
 */
import { classifyPoll } from '../../connection/poll';

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' }
  });

describe('classifyPoll', () => {
  it('no credit entry for the user: the server is free', async () => {
    const verdict = await classifyPoll(
      json(404, { status: 404, message: 'No credit entry found for user' }),
      0
    );
    expect(verdict).toEqual({ kind: 'list', entries: [] });
  });

  it('credits disabled, or no credit service at all: unavailable, not free', async () => {
    expect(
      await classifyPoll(
        json(404, {
          status: 404,
          message: 'Credits function is currently disabled'
        }),
        0
      )
    ).toMatchObject({
      kind: 'end',
      state: 'unavailable',
      reason: 'credits are disabled on this hub'
    });
    // JupyterHub's own 404 for a route that does not exist.
    expect(
      await classifyPoll(json(404, { status: 404, message: 'Not Found' }), 0)
    ).toMatchObject({ kind: 'end', state: 'unavailable' });
  });

  it('an empty list is a free server; a list of entries none can read is not', async () => {
    expect(await classifyPoll(json(200, []), 0)).toEqual({
      kind: 'list',
      entries: []
    });
    expect(
      await classifyPoll(
        json(200, [{ name: 'default', balance: -1, cap: 100 }, { cap: 5 }]),
        0
      )
    ).toEqual({
      kind: 'retry',
      reason: 'the hub answered no credit list',
      notBeforeMs: 0
    });
  });
});
