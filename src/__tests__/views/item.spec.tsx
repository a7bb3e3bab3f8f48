import { nullTranslator } from '@jupyterlab/translation';
import { MessageLoop } from '@lumino/messaging';
import { act } from 'react';
import { Widget } from '@lumino/widgets';
import { StatusBar } from '@jupyterlab/statusbar';
import { CreditsModel, readonlyCredits } from '../../model/model';
import { because } from '../../model/state';
import type { ConnectionState } from '../../model/state';
import { CreditsStatusItem } from '../../views/item';
import { CreditsViewModel } from '../../views/viewmodel';
import { feed, rawEntry } from '../helpers/documents';

const trans = nullTranslator.load('test');

/**
 * A state only the page sees (or one before any document), with a reason.
 */
function live(model: CreditsModel, state: ConnectionState = 'live') {
  model.setStatus({
    state,
    ...because('network_error', 'Failed to fetch'),
    failures: 1,
    nextAttemptAt: null,
    since: 0
  });
}

/**
 * The server part's document: this balance, live.
 */
function show(model: CreditsModel, balance: number) {
  feed(model, { entries: [rawEntry(balance)] });
}

// React 18 renders asynchronously; act() flushes the render.
(
  globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }
).IS_REACT_ACT_ENVIRONMENT = true;

/**
 * Lets the words of the tooltip and announcements load (they load with the
 * first change of the credits).
 */
async function described(): Promise<void> {
  // The load re-renders the item: inside act(), as React wants it.
  await act(async () => {
    await new Promise(resolve => setTimeout(resolve, 0));
    MessageLoop.flush();
  });
}

/**
 * Runs the update requests the model's changes posted, and React's render.
 */
function render(item: Widget) {
  act(() => {
    MessageLoop.sendMessage(item, Widget.Msg.UpdateRequest);
    MessageLoop.flush();
  });
}

describe('CreditsStatusItem', () => {
  let model: CreditsModel;
  let item: CreditsStatusItem;
  let view: CreditsViewModel;
  let activated: number;

  beforeEach(() => {
    model = new CreditsModel();
    model.configure(
      { entries: [], warningPercent: 25, criticalPercent: 10 },
      null
    );
    activated = 0;
    view = new CreditsViewModel(
      readonlyCredits(model),
      { label: 'Credits', show: 'both', format: 'fraction' },
      trans
    );
    item = new CreditsStatusItem({
      model: view,
      trans,
      onActivate: () => activated++
    });
    act(() => {
      Widget.attach(item, document.body);
      MessageLoop.flush();
    });
  });

  afterEach(() => {
    act(() => {
      MessageLoop.flush();
      item.dispose();
    });
  });

  const text = () =>
    item.node.querySelector('.jp-CreditsStatus-text')!.textContent;

  it('renders the hub balance as text and updates with the model', async () => {
    live(model);
    await described();
    show(model, 95);
    render(item);
    expect(text()).toBe('Credits: 95 / 100');
    show(model, 94);
    render(item);
    expect(text()).toBe('Credits: 94 / 100');
    expect(item.node.title).toContain('94 of 100 credits left');
  });

  it('never reads "no charge" before the hub has answered', async () => {
    // Live, but no numbers came yet (no update time).
    feed(model, { entries: [], updated: null });
    await described();
    render(item);
    expect(text()).toBe('Credits: waiting…');
    expect(item.node.title).toContain("waiting for the hub's first numbers");
    expect(item.node.title).not.toContain('free of charge');
    // An empty list from the hub is how it says the server is free.
    feed(model, { entries: [] });
    render(item);
    expect(text()).toBe('Credits: no charge');
    expect(item.node.title).toContain('free of charge');
  });

  it('applies display settings at once', () => {
    show(model, 20);
    render(item);
    expect(item.node.querySelector('.jp-mod-warning')).not.toBeNull();
    view.display = { ...view.display, label: 'Budget', format: 'percent' };
    model.configure(
      { entries: [], warningPercent: 10, criticalPercent: 5 },
      null
    );
    render(item);
    expect(text()).toBe('Budget: 20 %');
    expect(item.node.querySelector('.jp-mod-warning')).toBeNull();
    expect(item.node.dataset.level).toBe('ok');
  });

  it('renders hub strings as text, never as HTML', () => {
    feed(model, {
      entries: [
        rawEntry(1, 2, {
          project: { name: '<img src=x onerror=alert(1)>', balance: 1, cap: 1 }
        })
      ]
    });
    render(item);
    expect(item.node.querySelector('img')).toBeNull();
    expect(text()).toContain('<img src=x onerror=alert(1)>');
  });

  it('is a focusable button that Enter, Space and a click activate', () => {
    expect(item.node.getAttribute('role')).toBe('button');
    expect(item.node.tabIndex).toBe(0);
    item.node.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }));
    item.node.dispatchEvent(new KeyboardEvent('keydown', { key: ' ' }));
    item.node.dispatchEvent(new KeyboardEvent('keydown', { key: 'a' }));
    item.node.click();
    expect(activated).toBe(3);
  });

  it('has an accessible name that reads the balance and announces state changes politely', async () => {
    live(model);
    await described();
    show(model, 50);
    render(item);
    expect(item.node.getAttribute('aria-label')).toMatch(
      /^Credits: 50 \/ 100\./
    );
    const announce = item.node.querySelector('[aria-live="polite"]')!;
    // All well at start: nothing to announce.
    expect(announce.textContent).toBe('');
    // The server part lost the hub: it says so, with its last numbers.
    const reconnecting = (balance: number) =>
      feed(model, {
        state: 'reconnecting',
        reason: 'the hub went silent',
        entries: [rawEntry(balance)]
      });
    reconnecting(50);
    render(item);
    expect(announce.textContent).toContain('reconnecting');
    // A new balance with the same state and level is not announced again.
    const before = announce.textContent;
    reconnecting(49);
    render(item);
    expect(announce.textContent).toBe(before);
  });

  it('renders a change at once, and what follows in the same frame once, at the next frame', async () => {
    // What the item's creation asked for is done first.
    await act(() => new Promise(resolve => requestAnimationFrame(resolve)));
    const render = jest.spyOn(
      CreditsStatusItem.prototype as unknown as { render: () => unknown },
      'render'
    );
    jest.useFakeTimers();
    try {
      live(model);
      await act(() => Promise.resolve());
      expect(render).toHaveBeenCalledTimes(1);
      for (let balance = 90; balance > 85; balance--) {
        show(model, balance);
        // Each change in a task of its own, as documents come.
        await act(() => Promise.resolve());
      }
      expect(render).toHaveBeenCalledTimes(1);
      await act(async () => {
        jest.advanceTimersByTime(16);
        await Promise.resolve();
      });
      expect(render).toHaveBeenCalledTimes(2);
      expect(text()).toBe('Credits: 86 / 100');
      // A quiet frame later, a change renders at once again.
      await act(async () => {
        jest.advanceTimersByTime(16);
        await Promise.resolve();
      });
      live(model, 'reconnecting');
      await act(() => Promise.resolve());
      expect(render).toHaveBeenCalledTimes(3);
    } finally {
      jest.useRealTimers();
      render.mockRestore();
    }
  });

  it("shows the reason in the reader's language once the translations loaded", async () => {
    const marking = {
      ...trans,
      __: (msgid: string, ...args: unknown[]) =>
        trans.__(msgid.toUpperCase(), ...(args as string[]))
    };
    const shouting = new CreditsViewModel(
      readonlyCredits(model),
      view.display,
      marking
    );
    const status = () => shouting.status.reason;
    live(model, 'reconnecting');
    expect(status()).toBe('network error: Failed to fetch');
    await act(async () => {
      await new Promise(resolve => shouting.stateChanged.connect(resolve));
    });
    expect(status()).toBe('NETWORK ERROR: Failed to fetch');
    shouting.dispose();
  });

  it('is hidden in a real status bar while unavailable', () => {
    const statusBar = new StatusBar();
    act(() => {
      Widget.attach(statusBar, document.body);
      statusBar.registerStatusItem('test:credits', {
        item,
        align: 'left',
        isActive: () => model.visible,
        activeStateChanged: model.stateChanged
      });
      live(model);
      MessageLoop.flush();
    });
    expect(item.isHidden).toBe(false);
    act(() => {
      live(model, 'unavailable');
      MessageLoop.flush();
    });
    expect(item.isHidden).toBe(true);
    act(() => statusBar.dispose());
  });
});
