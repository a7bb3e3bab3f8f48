/** Styles imported as text (the builder's `asset/source`). */
declare module '*.raw.css' {
  const css: string;
  export default css;
}
