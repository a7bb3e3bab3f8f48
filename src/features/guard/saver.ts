/**
 * The work guard's saver: saves the dirty documents and remembers what it
 * has already told the user about.
 */
import type { IClock } from '../../client/clock';
import type { IOpenDocument } from '../documents';

/** The outcome of one automatic save. */
export interface ISaveReport {
  readonly saved: string[];
  readonly failed: { path: string; reason: string }[];
}

/**
 * Saves every dirty, writable, non-empty document; one failure never stops
 * the others, and nothing throws.
 */
export async function saveDocuments(
  documents: readonly IOpenDocument[]
): Promise<ISaveReport> {
  const report: ISaveReport = { saved: [], failed: [] };
  const candidates = documents.filter(
    d => d.dirty && d.writable && !d.untitledAndEmpty
  );
  await Promise.all(
    candidates.map(async document => {
      try {
        await document.save();
        report.saved.push(document.path);
      } catch (reason) {
        report.failed.push({
          path: document.path,
          reason: reason instanceof Error ? reason.message : String(reason)
        });
      }
    })
  );
  report.saved.sort();
  return report;
}

export class DocumentSaver {
  constructor(private readonly _clock: Pick<IClock, 'now'>) {}

  /** The last automatic save, if any. */
  get lastSave(): (ISaveReport & { at: number }) | null {
    return this._lastSave;
  }

  /**
   * Saves the dirty documents.
   *
   * @param crossing - the stop has just come within the lead time: every
   *   document saved from now on is worth telling about again.
   * @returns the report when it is worth telling (a document saved the
   *   first time since the crossing, or any failure); `null` otherwise.
   */
  async save(
    documents: readonly IOpenDocument[],
    crossing: boolean
  ): Promise<ISaveReport | null> {
    if (crossing) {
      this._told.clear();
    }
    const report = await saveDocuments(documents);
    this._lastSave = { ...report, at: this._clock.now() };
    const news = report.saved.filter(path => !this._told.has(path));
    news.forEach(path => this._told.add(path));
    return news.length > 0 || report.failed.length > 0 ? report : null;
  }

  private _told = new Set<string>();
  private _lastSave: (ISaveReport & { at: number }) | null = null;
}
