/**
 * Code loaded once, and again after a failed load.
 */
import { loadOnce } from '../../views/lazy';

describe('loadOnce', () => {
  it('loads once, however often and however soon it is asked', async () => {
    let loads = 0;
    const load = loadOnce(async () => ++loads);
    expect(await Promise.all([load(), load()])).toEqual([1, 1]);
    expect(await load()).toBe(1);
    expect(loads).toBe(1);
  });

  it('a failed load is tried again at the next ask, not kept', async () => {
    let loads = 0;
    const load = loadOnce(async () => {
      if (++loads === 1) {
        throw new Error('the server is gone');
      }
      return loads;
    });
    await expect(load()).rejects.toThrow('the server is gone');
    expect(await load()).toBe(2);
    expect(await load()).toBe(2);
    expect(loads).toBe(2);
  });
});
