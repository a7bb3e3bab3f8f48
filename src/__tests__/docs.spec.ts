/**
 * The documentation agrees with the code it describes.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const root = path.resolve(__dirname, '..', '..');

describe('docs/settings.md', () => {
  it('is the table generated from schema/plugin.json', () => {
    // Fails (exit 1) when the schema changed and the table was not regenerated.
    const out = execFileSync(
      process.execPath,
      [path.join(root, 'scripts', 'settings-table.mjs'), '--check'],
      { encoding: 'utf-8' }
    );
    expect(out).toContain('matches');
  });

  it('lists every setting of the schema', () => {
    const schema = JSON.parse(
      fs.readFileSync(path.join(root, 'schema', 'plugin.json'), 'utf-8')
    ) as { properties: Record<string, unknown> };
    const table = fs.readFileSync(
      path.join(root, 'docs', 'settings.md'),
      'utf-8'
    );
    for (const name of Object.keys(schema.properties)) {
      expect(table).toContain(`| \`${name}\` |`);
    }
  });

  it('lists every palette command with its label', () => {
    const tokens = fs.readFileSync(
      path.join(root, 'src', 'tokens.ts'),
      'utf-8'
    );
    const table = fs.readFileSync(
      path.join(root, 'docs', 'settings.md'),
      'utf-8'
    );
    const ids = [...tokens.matchAll(/= '(hub-credits:[\w-]+)'/g)].map(
      m => m[1]
    );
    expect(ids.length).toBeGreaterThanOrEqual(4);
    for (const id of ids) {
      expect(table).toMatch(new RegExp(`\\| \`${id}\` \\| \\S`));
    }
  });
});

describe('the guides', () => {
  const read = (file: string) =>
    fs.readFileSync(path.join(root, file), 'utf-8');

  it('keep the README short, for users and first-time admins', () => {
    expect(read('README.md').split('\n').length).toBeLessThanOrEqual(250);
  });

  it('link files that exist', () => {
    for (const file of ['README.md', 'CONTRIBUTING.md', 'docs/admin.md']) {
      const dir = path.dirname(path.join(root, file));
      for (const [, target] of read(file).matchAll(
        /\]\(([^)#]+)(?:#[^)]*)?\)/g
      )) {
        if (!/^[a-z]+:/.test(target)) {
          expect([file, fs.existsSync(path.join(dir, target))]).toEqual([
            file,
            true
          ]);
        }
      }
    }
  });

  it('are linked from the README', () => {
    const readme = read('README.md');
    for (const guide of [
      'docs/admin.md',
      'docs/settings.md',
      'CONTRIBUTING.md'
    ]) {
      expect(readme).toContain(`](${guide}`);
    }
  });
});
