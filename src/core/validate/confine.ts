// Where an experiment may point: inside its workspace. A hostile file must not make
// Latent Lab read /etc/passwd as data, merge a base from anywhere, or write runs
// outside the project. The workspace of a file is
//   - the nearest folder at or above the file holding .git or package.json (the
//     project), else only the file's own folder tree (never the working directory,
//     which may be / or $HOME for an editor's processes);
//   - plus the editor's workspace folders (language server), and every folder the
//     user names in LATENT_LAB_ALLOW_PATHS (path.delimiter-separated).
// Paths are compared after resolving symbolic links, so a link inside the workspace
// that points outside it is outside.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { READ_LIMITS, readTextBounded } from '../boundedRead';
import type { ValidatorHost } from './host';

import { ALLOW_PATHS_ENV } from '../allowPathsEnv';
const MARKERS = ['.git', 'package.json'];

/** The folders `file`'s paths may point into. */
export function allowedRoots(file: string, host: ValidatorHost): string[] {
  const dir = path.dirname(path.resolve(file));
  const marker = markerRoot(dir, host);
  return [marker ?? dir, ...(host.workspaceFolders?.() ?? []), ...envRoots()];
}

/**
 * The `models/` folder of this Latent Lab installation (the repository, or the
 * installed extension), found upward from this code: what `init_from` may always name.
 */
export function shippedModelsFolder(): string {
  if (shippedModels !== undefined) return shippedModels;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(readTextBounded(path.join(dir, 'package.json'), READ_LIMITS.runJson, 'package.json')) as { name?: string };
      if (pkg.name === 'latent-lab') return (shippedModels = path.join(dir, 'models'));
    } catch { /* no package.json here */ }
    if (path.dirname(dir) === dir) return (shippedModels = path.join(__dirname, 'models'));
  }
}
let shippedModels: string | undefined;

/** The roots, formatted for a message. */
export function describeRoots(roots: string[]): string {
  return [...new Set(roots)].join(', ');
}

/** Is `target` (absolute) inside one of `roots`, after resolving links? */
export function isInside(target: string, roots: string[]): boolean {
  const t = realish(target);
  return roots.some((root) => {
    const r = realish(root);
    return t === r || t.startsWith(r.endsWith(path.sep) ? r : r + path.sep);
  });
}

/** The message for a path outside the workspace; `field` is the dotted config path. */
export function outsideMessage(field: string, target: string, roots: string[]): string {
  return `\`${field}\`: ${target} is outside this experiment's workspace (${describeRoots(roots)}): ` +
    `Latent Lab reads and writes only inside it. Move the file into the workspace, or allow its folder ` +
    `explicitly: the user setting \`latentLab.allowedPaths\` in VS Code, or the environment variable ${ALLOW_PATHS_ENV}=<folder> (docs/security.md)`;
}

function envRoots(): string[] {
  const raw = process.env[ALLOW_PATHS_ENV] ?? '';
  return raw.split(path.delimiter).map((s) => s.trim()).filter((s) => s !== '' && path.isAbsolute(s));
}

function markerRoot(start: string, host: ValidatorHost): string | undefined {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (MARKERS.some((m) => host.fileExists(path.join(dir, m)))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

// The real path of the longest existing prefix, with the rest appended: a path that
// does not exist yet (a runs folder) is judged by the folder it would be created in.
function realish(p: string): string {
  const abs = path.resolve(p);
  const rest: string[] = [];
  for (let dir = abs; ; dir = path.dirname(dir)) {
    try {
      return path.join(fs.realpathSync(dir), ...rest.reverse());
    } catch {
      if (path.dirname(dir) === dir) return abs;
      rest.push(path.basename(dir));
    }
  }
}
