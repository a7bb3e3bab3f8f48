/*
 * The status item's styles, injected as one <style> element. Imported as
 * text (".raw.css") rather than through a CSS loader: the loader's runtime
 * would be most of what JupyterLab loads of this extension at start. The
 * details' styles load with the details (src/popup.tsx imports them).
 */
import css from './base.raw.css';

const style = document.createElement('style');
style.dataset.source = 'jupyterlab-hub-credits';
style.textContent = css;
document.head.appendChild(style);
