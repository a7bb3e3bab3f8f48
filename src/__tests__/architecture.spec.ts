/**
 * The layout of `src/` as CONTRIBUTING.md describes it: every source file
 * named there, and imports only from the same layer or a lower one (no
 * circles between folders, nothing climbing back up).
 */
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');
const SRC = path.join(ROOT, 'src');

/** The layers, lowest first (a file's layer: its folder, or itself at the top). */
const LAYERS = [
  'style.d.ts',
  'protocol.json',
  'reasons.json',
  'model',
  'tokens.ts',
  'client',
  'views',
  'settings.ts',
  'features',
  'plugins',
  'index.ts'
];

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      return entry.name === '__tests__' ? [] : sources(full);
    }
    return /\.(ts|tsx|json)$/.test(entry.name) ? [full] : [];
  });
}

function layerOf(file: string): number {
  const [first] = path.relative(SRC, file).split(path.sep);
  return LAYERS.indexOf(first);
}

function resolve(from: string, specifier: string): string {
  const base = path.resolve(path.dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) {
      return candidate;
    }
  }
  throw new Error(`${from}: cannot resolve ${specifier}`);
}

describe('the layout of src/', () => {
  const files = sources(SRC);

  it('has every file in a known layer', () => {
    for (const file of files) {
      expect([path.relative(SRC, file), layerOf(file)]).not.toContainEqual(-1);
    }
  });

  it('imports only from the same layer or a lower one', () => {
    const up: string[] = [];
    for (const file of files.filter(f => !f.endsWith('.json'))) {
      const text = fs.readFileSync(file, 'utf-8');
      for (const [, specifier] of text.matchAll(/from '(\.[^']*)'/g)) {
        const target = resolve(file, specifier);
        if (layerOf(target) > layerOf(file)) {
          up.push(`${path.relative(SRC, file)} → ${specifier}`);
        }
      }
    }
    expect(up).toEqual([]);
  });

  it('is described file by file in CONTRIBUTING.md, Python included', () => {
    const guide = fs.readFileSync(path.join(ROOT, 'CONTRIBUTING.md'), 'utf-8');
    // The section up to the next one of its level.
    const start = guide.indexOf('## Architecture');
    const architecture = guide.slice(start, guide.indexOf('\n## ', start));
    const python = fs
      .readdirSync(path.join(ROOT, 'jupyterlab_hub_credits'))
      .filter(name => name.endsWith('.py') && !name.startsWith('_'));
    const named = [...files.map(f => path.basename(f)), ...python];
    const missing = named.filter(name => !architecture.includes(`\`${name}\``));
    expect(missing).toEqual([]);
    // ...and nothing is named there that does not exist.
    const existing = new Set(named);
    const stale = [...architecture.matchAll(/`([\w.]+\.(?:ts|tsx|py|json))`/g)]
      .map(([, name]) => name)
      .filter(name => !existing.has(name) && !name.startsWith('plugin.json'));
    expect(stale).toEqual([]);
  });
});
