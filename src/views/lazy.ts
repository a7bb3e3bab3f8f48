/**
 * Code that loads when first asked for, once: a load that failed (the
 * server that serves the code gone) is tried again at the next ask
 * instead of failing for good.
 */
export function loadOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | null = null;
  return () =>
    (pending ??= load().catch(error => {
      pending = null;
      throw error;
    }));
}
