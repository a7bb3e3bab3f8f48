/**
 * The view model's lazily loaded words: with the first change and the
 * first reason, or all at once with `preload()` (under a hub, while the
 * server that serves them still runs).
 */
import { Gettext } from '@jupyterlab/translation';
import type { TranslationBundle } from '@jupyterlab/translation';
import { CreditsModel, readonlyCredits } from '../../model/model';
import { because, connectionStatus } from '../../model/state';
import { CreditsViewModel } from '../../views/viewmodel';

/**
 * A translator that marks what it translated: «words».
 */
const marking = {
  __: (msgid: string, ...args: unknown[]) =>
    `«${Gettext.strfmt(msgid, ...args)}»`
} as unknown as TranslationBundle;

/** A status with a reason of ours (translated once the words are here). */
const offline = connectionStatus('offline', 0, {
  ...because('offline'),
  failures: 1
});

function setUp() {
  const model = new CreditsModel();
  model.configure(
    { entries: [], warningPercent: 25, criticalPercent: 10 },
    null
  );
  const view = new CreditsViewModel(
    readonlyCredits(model),
    { label: 'Credits', show: 'both', format: 'fraction' },
    marking
  );
  let changes = 0;
  view.stateChanged.connect(() => changes++);
  return { model, view, changes: () => changes };
}

describe('CreditsViewModel', () => {
  it('has no words before a change, and loads nothing by itself', async () => {
    const { view, changes } = setUp();
    await new Promise(resolve => setTimeout(resolve, 0));
    expect(view.describe).toBeNull();
    expect(changes()).toBe(0);
  });

  it('new display settings re-render without loading the words (start-up stays small)', async () => {
    const { view, changes } = setUp();
    view.display = { label: 'Hub', show: 'user', format: 'percent' };
    await new Promise(resolve => setTimeout(resolve, 0));
    expect(changes()).toBe(1);
    expect(view.describe).toBeNull();
  });

  it('preload() brings the words and the reasons before any change', async () => {
    const { model, view, changes } = setUp();
    await view.preload();
    expect(view.describe).not.toBeNull();
    expect(typeof view.describe!.statusTooltip).toBe('function');
    // Each load re-rendered the views.
    expect(changes()).toBe(2);
    // The first reason is translated at once: no further load.
    model.setStatus(offline);
    expect(view.status.reason).toBe('«the browser is offline»');
  });

  it('without preload, the first reason shows as written until its words load', async () => {
    const { model, view } = setUp();
    model.setStatus(offline);
    expect(view.status.reason).toBe('the browser is offline');
    await view.preload();
    expect(view.status.reason).toBe('«the browser is offline»');
  });

  it('preload() twice loads once', async () => {
    const { view, changes } = setUp();
    await Promise.all([view.preload(), view.preload()]);
    await view.preload();
    expect(changes()).toBe(2);
  });
});
