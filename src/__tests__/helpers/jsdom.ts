/**
 * What jsdom lacks and JupyterLab's widgets expect. Import it before
 * anything that loads `@jupyterlab/apputils` (which otherwise warns
 * "Clipboard API not available" as it loads) or opens a popup (which
 * follows its size with a ResizeObserver).
 */
if (!navigator.clipboard) {
  Object.defineProperty(navigator, 'clipboard', {
    configurable: true,
    value: {
      readText: async () => '',
      writeText: async () => undefined
    }
  });
}

(globalThis as { ResizeObserver?: unknown }).ResizeObserver ??= class {
  observe(): void {
    // Nothing changes size in jsdom.
  }
  unobserve(): void {
    // Nothing to stop.
  }
  disconnect(): void {
    // Nothing to stop.
  }
};

export {};
