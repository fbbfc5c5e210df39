// Shared helpers for the validator tests: an in-memory file host and range tuples.
import * as assert from 'node:assert/strict';
import type { Problem } from '../../src/core/problems';
import type { ValidatorHost } from '../../src/core/validator';

/** Files by absolute path; folders are implied by the files under them plus `dirs`. */
export function memoryHost(files: Record<string, string>, dirs: string[] = []): ValidatorHost {
  const exists = (p: string) => p in files || dirs.includes(p) || Object.keys(files).some((f) => f.startsWith(`${p}/`));
  return { readFile: (p) => files[p], fileExists: exists };
}

/** [startLine, startChar, endLine, endChar], zero-based. */
export function rangeOf(p: Problem): [number, number, number, number] {
  return [p.range.start.line, p.range.start.character, p.range.end.line, p.range.end.character];
}

/** The one problem with this code; fails listing all problems otherwise. */
export function only(problems: Problem[], code: string): Problem {
  const hits = problems.filter((p) => p.code === code);
  assert.equal(hits.length, 1, `expected one ${code}, got:\n${problems.map((p) => `${p.code} ${p.message}`).join('\n')}`);
  return hits[0];
}
