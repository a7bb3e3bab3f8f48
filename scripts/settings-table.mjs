// The settings table of docs/settings.md, generated from schema/plugin.json.
//   node scripts/settings-table.mjs          writes docs/settings.md
//   node scripts/settings-table.mjs --check  fails when docs/settings.md is stale
import fs from 'fs';
import path from 'path';
import { fileURLToPath } from 'url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const schemaFile = path.join(root, 'schema', 'plugin.json');
const docFile = path.join(root, 'docs', 'settings.md');

/** A table cell: one line, pipes escaped. */
function cell(text) {
  return String(text).replace(/\s+/g, ' ').replace(/\|/g, '\\|').trim();
}

/** A default value as people write it in overrides.json. */
function value(v) {
  return v === undefined ? '' : '`' + JSON.stringify(v) + '`';
}

/** What a property accepts. */
function accepts(p) {
  if (p.enum) {
    return p.enum.map(v => '`' + JSON.stringify(v) + '`').join(', ');
  }
  if (p.type === 'array') {
    return `list of ${p.items?.type ?? 'values'}`;
  }
  const range = [];
  if (p.minimum !== undefined) {
    range.push(`≥ ${p.minimum}`);
  }
  if (p.maximum !== undefined) {
    range.push(`≤ ${p.maximum}`);
  }
  return [p.type, ...range].join(' ');
}

/**
 * The palette commands: each id of `CommandIDs` (src/tokens.ts) with the
 * label its plugin gives it (src/plugins/*.ts).
 */
export function commands() {
  const tokens = fs.readFileSync(path.join(root, 'src', 'tokens.ts'), 'utf-8');
  const ids = Object.fromEntries(
    [...tokens.matchAll(/export const (\w+) = '([^']+)'/g)].map(m => [
      m[1],
      m[2]
    ])
  );
  const plugins = path.join(root, 'src', 'plugins');
  const labels = {};
  for (const file of fs.readdirSync(plugins)) {
    const text = fs.readFileSync(path.join(plugins, file), 'utf-8');
    for (const m of text.matchAll(
      /addCommand\(CommandIDs\.(\w+),\s*\{\s*label: trans\.__\(\s*'([^']+)'/g
    )) {
      labels[m[1]] = m[2];
    }
  }
  return Object.entries(ids).map(([key, id]) => [id, labels[key] ?? '']);
}

export function render(schema, commandList = commands()) {
  const rows = Object.entries(schema.properties).map(
    ([name, p]) =>
      `| \`${name}\` | ${cell(p.title ?? '')} | ${cell(accepts(p))} | ${value(p.default)} | ${cell(p.description ?? '')} |`
  );
  return [
    '# Settings',
    '',
    '<!-- Generated from schema/plugin.json by scripts/settings-table.mjs:',
    '     edit the schema, then run `node scripts/settings-table.mjs`. -->',
    '',
    "Every setting applies at once, without a reload. Users change them in JupyterLab's",
    '*Settings → Settings Editor → Hub Credits*; admins set defaults for everyone in',
    '`{sys.prefix}/share/jupyter/lab/settings/overrides.json` under',
    '`"jupyterlab-hub-credits:plugin"` (see [the admin guide](admin.md)).',
    '',
    '| setting | title | accepts | default | what it does |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    '## Commands',
    '',
    'In the command palette (and for keyboard shortcuts in *Settings → Settings',
    'Editor → Keyboard Shortcuts*), listed from the code:',
    '',
    '| command id | label |',
    '|---|---|',
    ...commandList.map(([id, label]) => `| \`${id}\` | ${cell(label)} |`),
    ''
  ].join('\n');
}

const wanted = render(JSON.parse(fs.readFileSync(schemaFile, 'utf-8')));
if (process.argv.includes('--check')) {
  const have = fs.existsSync(docFile) ? fs.readFileSync(docFile, 'utf-8') : '';
  if (have !== wanted) {
    console.error(
      'docs/settings.md does not match schema/plugin.json: run `node scripts/settings-table.mjs`'
    );
    process.exit(1);
  }
  console.log('docs/settings.md matches schema/plugin.json');
} else {
  fs.writeFileSync(docFile, wanted);
  console.log(`wrote ${path.relative(root, docFile)}`);
}
