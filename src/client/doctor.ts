/**
 * The doctor's checks, as the server part runs them for the server's owner
 * (`GET {baseUrl}hub-credits/doctor`): each finding with what to do. The
 * findings are the server's words, shown as text.
 */
import type { ServerFetch } from './server';

export interface IFinding {
  readonly level: 'ok' | 'warn' | 'fail';
  readonly title: string;
  readonly fix: string;
}

const LEVELS = new Set(['ok', 'warn', 'fail']);
/** No more findings, and no longer words, than the doctor ever says. */
const MAX_FINDINGS = 50;
const MAX_TEXT = 1000;

/**
 * The valid findings of an answer (anything else is left out).
 */
export function parseFindings(body: unknown): IFinding[] {
  const list = (body as { findings?: unknown } | null)?.findings;
  if (!Array.isArray(list)) {
    return [];
  }
  const found: IFinding[] = [];
  for (const item of list.slice(0, MAX_FINDINGS)) {
    const { level, title, fix } = (item ?? {}) as Record<string, unknown>;
    if (
      typeof level === 'string' &&
      LEVELS.has(level) &&
      typeof title === 'string' &&
      (fix === undefined || typeof fix === 'string')
    ) {
      found.push({
        level: level as IFinding['level'],
        title: title.slice(0, MAX_TEXT),
        fix: (fix ?? '').slice(0, MAX_TEXT)
      });
    }
  }
  return found;
}

/**
 * Runs the checks; rejects when the server part does not answer them.
 */
export async function checkSetup(
  fetch: ServerFetch,
  baseUrl: string
): Promise<IFinding[]> {
  const response = await fetch(`${baseUrl}hub-credits/doctor`, {
    cache: 'no-store'
  });
  if (!response.ok) {
    throw new Error(`HTTP ${response.status}`);
  }
  return parseFindings(await response.json());
}
