// Writes the shared test vectors (tests/vectors/*.json) from the reference
// billing simulation and the TypeScript implementation
// (src/__tests__/helpers/vectors.ts); `--check` writes nothing and fails
// when a file is stale. jest and pytest read the files.
//
//   npm run vectors            # regenerate
//   npm run vectors -- --check # what CI runs
import { execFileSync } from 'child_process';
import { existsSync, readFileSync, writeFileSync } from 'fs';
import { createRequire } from 'module';
import { dirname, join } from 'path';
import { fileURLToPath } from 'url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(
  root,
  'node_modules',
  '.cache',
  'jupyterlab-hub-credits-vectors'
);
execFileSync(
  process.execPath,
  [
    join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
    '-p',
    join(root, 'tsconfig.vectors.json')
  ],
  { stdio: 'inherit' }
);
const require = createRequire(import.meta.url);
const { generate } = require(join(out, '__tests__', 'helpers', 'vectors.js'));

const check = process.argv.includes('--check');
let stale = 0;
for (const [name, text] of Object.entries(generate())) {
  const file = join(root, 'tests', 'vectors', name);
  const now = existsSync(file) ? readFileSync(file, 'utf-8') : null;
  if (now === text) {
    continue;
  }
  if (check) {
    console.error(`tests/vectors/${name} is stale: run \`npm run vectors\``);
    stale++;
  } else {
    writeFileSync(file, text);
    console.log(`wrote tests/vectors/${name}`);
  }
}
process.exit(stale ? 1 : 0);
