/**
 * The details as a dialog, on real Lumino widgets and JupyterLab's own
 * popup: open, focus in, Tab kept inside, Escape and a click outside
 * close, focus back on the item, aria-expanded and aria-controls.
 */
import '../helpers/jsdom';
import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import { CreditsModel, readonlyCredits } from '../../model/model';
import { connectionStatus } from '../../model/state';
import { DetailsToggle } from '../../views/detailstoggle';

const trans = nullTranslator.load('test');
const DETAILS = '#jp-CreditsDetails';

describe('DetailsToggle', () => {
  let item: Widget;
  let toggle: DetailsToggle;
  let outside: HTMLButtonElement;
  const calls: string[] = [];

  beforeEach(() => {
    calls.length = 0;
    const model = new CreditsModel();
    model.setStatus(connectionStatus('live', 0));
    item = new Widget();
    item.node.tabIndex = 0;
    item.node.setAttribute('aria-expanded', 'false');
    Widget.attach(item, document.body);
    outside = document.body.appendChild(document.createElement('button'));
    toggle = new DetailsToggle({
      credits: readonlyCredits(model),
      display: () => ({ label: 'Credits', show: 'both', format: 'fraction' }),
      trans,
      anchor: item,
      actions: () => ({
        reconnect: () => calls.push('reconnect'),
        openHubHome: () => calls.push('home'),
        stopServer: () => calls.push('stop')
      })
    });
  });

  afterEach(() => {
    toggle.close();
    item.dispose();
    outside.remove();
  });

  const details = () => document.querySelector<HTMLElement>(DETAILS);
  const buttons = () =>
    Array.from(details()!.querySelectorAll<HTMLButtonElement>('button'));
  const press = (target: EventTarget, key: string, shiftKey = false) =>
    target.dispatchEvent(
      new KeyboardEvent('keydown', {
        key,
        shiftKey,
        bubbles: true,
        cancelable: true
      })
    );

  it("runs the owner's checks and shows the server's words as text", async () => {
    const findings = [
      { level: 'ok' as const, title: 'the hub answers', fix: '' },
      {
        level: 'fail' as const,
        title: '<img src=x onerror=alert(1)>',
        fix: 'restart the server'
      }
    ];
    let answer: (value: typeof findings) => void = () => undefined;
    toggle.close();
    toggle = new DetailsToggle({
      credits: readonlyCredits(new CreditsModel()),
      display: () => ({ label: 'Credits', show: 'both', format: 'fraction' }),
      trans,
      anchor: item,
      actions: () => ({
        reconnect: () => undefined,
        check: () => new Promise(resolve => (answer = resolve))
      })
    });
    await toggle.toggle();
    const check = buttons().find(b => b.textContent === 'Check set-up')!;
    check.click();
    const list = () => details()!.querySelector('.jp-CreditsDetails-findings');
    // The details render on the next animation frame.
    const shown = async (text: RegExp) => {
      for (let i = 0; i < 100 && !text.test(list()?.textContent ?? ''); i++) {
        await new Promise(resolve => setTimeout(resolve, 10));
      }
      return list()!;
    };
    expect((await shown(/Checking/)).textContent).toBe('Checking…');
    expect(check.disabled).toBe(true);
    answer(findings);
    await shown(/restart/);
    const items = Array.from(list()!.querySelectorAll('li'));
    expect(items.map(li => li.className)).toEqual(['jp-mod-ok', 'jp-mod-fail']);
    expect(items[1].textContent).toBe(
      '✗ <img src=x onerror=alert(1)> → restart the server'
    );
    expect(list()!.querySelector('img')).toBeNull();
  });

  it('offers no checks where the action is absent (not the owner)', async () => {
    await toggle.toggle();
    expect(buttons().map(b => b.textContent)).not.toContain('Check set-up');
  });

  it('opens as a dialog named by its heading, focus on its first control', async () => {
    item.node.focus();
    await toggle.toggle();
    expect(toggle.isOpen).toBe(true);
    expect(details()!.getAttribute('role')).toBe('dialog');
    expect(details()!.getAttribute('aria-labelledby')).toBe(
      'jp-CreditsDetails-title'
    );
    expect(item.node.getAttribute('aria-expanded')).toBe('true');
    expect(item.node.getAttribute('aria-controls')).toBe('jp-CreditsDetails');
    expect(buttons().map(b => b.textContent)).toEqual([
      'Reconnect',
      'Open hub home',
      'Stop my server…'
    ]);
    expect(document.activeElement).toBe(buttons()[0]);
  });

  it('keeps Tab and Shift+Tab inside', async () => {
    await toggle.toggle();
    const [first, , last] = buttons();
    last.focus();
    press(last, 'Tab');
    expect(document.activeElement).toBe(first);
    press(first, 'Tab', true);
    expect(document.activeElement).toBe(last);
  });

  it('Escape closes and returns focus to the item', async () => {
    await toggle.toggle();
    press(document.activeElement!, 'Escape');
    expect(toggle.isOpen).toBe(false);
    expect(details()).toBeNull();
    expect(item.node.getAttribute('aria-expanded')).toBe('false');
    expect(item.node.hasAttribute('aria-controls')).toBe(false);
    expect(document.activeElement).toBe(item.node);
  });

  it('Escape returns focus to the item even when focus had moved out of the details (a toast, the launcher)', async () => {
    await toggle.toggle();
    outside.focus();
    press(outside, 'Escape');
    expect(details()).toBeNull();
    expect(document.activeElement).toBe(item.node);
  });

  it('toggling again closes, focus back on the item', async () => {
    await toggle.toggle();
    await toggle.toggle();
    expect(details()).toBeNull();
    expect(document.activeElement).toBe(item.node);
  });

  it('a click outside closes; focus stays where the click put it', async () => {
    await toggle.toggle();
    outside.focus();
    outside.click();
    expect(details()).toBeNull();
    expect(item.node.getAttribute('aria-expanded')).toBe('false');
    expect(document.activeElement).toBe(outside);
  });

  it('a click outside while focus is in the details returns focus to the item', async () => {
    await toggle.toggle();
    document.body.click();
    expect(details()).toBeNull();
    expect(document.activeElement).toBe(item.node);
  });

  it('the buttons do what the plugin says', async () => {
    await toggle.toggle();
    buttons().forEach(button => button.click());
    expect(calls).toEqual(['reconnect', 'home', 'stop']);
  });
});
