/**
 * Something that reacts to every change of the credits until disposed.
 */
import type { IDisposable } from '@lumino/disposable';
import type { ICreditsModel } from '../tokens';

export abstract class ModelWatcher implements IDisposable {
  constructor(protected readonly model: ICreditsModel) {
    model.stateChanged.connect(this.onModelChanged, this);
  }

  get isDisposed(): boolean {
    return this._watcherDisposed;
  }

  /**
   * Reacts to the model as it is now (e.g. when created late).
   */
  refresh(): void {
    this.onModelChanged(this.model);
  }

  dispose(): void {
    if (this._watcherDisposed) {
      return;
    }
    this._watcherDisposed = true;
    this.model.stateChanged.disconnect(this.onModelChanged, this);
  }

  protected abstract onModelChanged(model: ICreditsModel): void;

  private _watcherDisposed = false;
}
