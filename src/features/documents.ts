/**
 * The open documents, as the work guard and the stop notice see them.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { PathExt } from '@jupyterlab/coreutils';
import type { IDocumentManager } from '@jupyterlab/docmanager';
import type { DocumentRegistry } from '@jupyterlab/docregistry';

/**
 * An open document as the guard sees it.
 */
export interface IOpenDocument {
  readonly path: string;
  readonly dirty: boolean;
  /** Read-only documents are never saved. */
  readonly writable: boolean;
  /** Untitled and empty: nothing worth a file. */
  readonly untitledAndEmpty: boolean;
  save(): Promise<void>;
}

/**
 * The documents open in the main area, one per file.
 */
export function openDocuments(
  app: JupyterFrontEnd,
  docManager: IDocumentManager
): IOpenDocument[] {
  const byPath = new Map<string, IOpenDocument>();
  for (const widget of app.shell.widgets('main')) {
    const context = docManager.contextForWidget(widget);
    if (!context || byPath.has(context.path)) {
      continue;
    }
    byPath.set(context.path, {
      path: context.path,
      dirty: context.model.dirty,
      writable:
        !context.model.readOnly && context.contentsModel?.writable !== false,
      untitledAndEmpty:
        /^untitled/i.test(PathExt.basename(context.path)) && isEmpty(context),
      save: () => Private.save(context)
    });
  }
  return [...byPath.values()];
}

/**
 * No text, or a notebook whose cells are all blank.
 */
function isEmpty(context: DocumentRegistry.Context): boolean {
  const json = context.model.toJSON() as unknown;
  if (typeof json === 'string') {
    return json.trim() === '';
  }
  const cells = (json as { cells?: { source?: string | string[] }[] })?.cells;
  if (Array.isArray(cells)) {
    return cells.every(cell => {
      const source = cell.source ?? '';
      return (Array.isArray(source) ? source.join('') : source).trim() === '';
    });
  }
  return false;
}

namespace Private {
  /**
   * Saves, keeping edits made while the save was on its way unsaved:
   * JupyterLab marks the document clean when the write returns, even when
   * the user typed on meanwhile (the tab would look saved, the file would
   * lack the last keys).
   */
  export async function save(context: DocumentRegistry.Context): Promise<void> {
    const { model } = context;
    let edited = false;
    const onChange = () => {
      edited = true;
    };
    model.contentChanged.connect(onChange);
    try {
      await context.save();
    } finally {
      model.contentChanged.disconnect(onChange);
      if (edited && !model.isDisposed) {
        model.dirty = true;
      }
    }
  }
}
