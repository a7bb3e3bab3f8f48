/**
 * The open documents as the guard sees them, on a context that behaves
 * like JupyterLab's: a save marks the document clean when the write
 * returns.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import type { IDocumentManager } from '@jupyterlab/docmanager';
import { Signal } from '@lumino/signaling';
import { openDocuments } from '../../features/documents';

function fakeContext(path: string, typeWhileSaving: boolean) {
  const model = {
    dirty: true,
    readOnly: false,
    isDisposed: false,
    contentChanged: new Signal<unknown, void>({}),
    toJSON: () => ({ cells: [{ source: 'print(1)' }] })
  };
  const context = {
    path,
    model,
    contentsModel: { writable: true },
    saves: 0,
    async save() {
      context.saves++;
      await Promise.resolve();
      if (typeWhileSaving) {
        model.contentChanged.emit();
      }
      await Promise.resolve();
      // What JupyterLab's context does once the write returns.
      model.dirty = false;
    }
  };
  return context;
}

function documentsOf(contexts: ReturnType<typeof fakeContext>[]) {
  const app = {
    shell: {
      widgets: () => contexts.map(context => ({ context }))[Symbol.iterator]()
    }
  } as unknown as JupyterFrontEnd;
  const manager = {
    contextForWidget: (widget: { context: unknown }) => widget.context
  } as unknown as IDocumentManager;
  return openDocuments(app, manager);
}

describe('openDocuments', () => {
  it('keeps a document unsaved when it was edited while the save was on its way', async () => {
    const context = fakeContext('work.ipynb', true);
    const [document] = documentsOf([context]);
    await document.save();
    expect(context.saves).toBe(1);
    expect(context.model.dirty).toBe(true);
    expect(documentsOf([context])[0].dirty).toBe(true);
  });

  it('leaves a document clean when nothing changed during the save', async () => {
    const context = fakeContext('work.ipynb', false);
    await documentsOf([context])[0].save();
    expect(context.model.dirty).toBe(false);
    // Edits after the save no longer count against it.
    context.model.contentChanged.emit();
    expect(context.model.dirty).toBe(false);
  });

  it('lists each file once, with what the guard needs', () => {
    const a = fakeContext('a.ipynb', false);
    const [first, ...rest] = documentsOf([a, a]);
    expect(rest).toHaveLength(0);
    expect(first).toMatchObject({
      path: 'a.ipynb',
      dirty: true,
      writable: true,
      untitledAndEmpty: false
    });
  });
});
