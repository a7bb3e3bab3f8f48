/**
 * The shared test vectors as committed (tests/vectors/), read the one way
 * every spec reads them.
 */
import * as fs from 'fs';
import * as path from 'path';

const DIR = path.resolve(__dirname, '..', '..', '..', 'tests', 'vectors');

/**
 * A vector file's text.
 */
export function vectorText(name: string): string {
  return fs.readFileSync(path.join(DIR, name), 'utf-8');
}

/**
 * A vector file, parsed.
 */
export function readVectors<T>(name: string): T {
  return JSON.parse(vectorText(name)) as T;
}
