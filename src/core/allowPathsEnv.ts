// The environment variable naming folders experiments may use besides their project
// (docs/security.md), and how a list of folders is added to it. Its own module so the
// extension's activation bundle can name it without loading the confinement code
// (src/core/validate/confine.ts).
import * as path from 'node:path';

export const ALLOW_PATHS_ENV = 'LATENT_LAB_ALLOW_PATHS';

/** The environment's allowed folders plus `extra`, as one LATENT_LAB_ALLOW_PATHS value ('' when none); relative paths are dropped. */
export function allowPathsValue(baseEnv: NodeJS.ProcessEnv, extra: readonly string[]): string {
  const all = [...(baseEnv[ALLOW_PATHS_ENV] ?? '').split(path.delimiter), ...extra].map((s) => s.trim()).filter((s) => s !== '' && path.isAbsolute(s));
  return [...new Set(all)].join(path.delimiter);
}
