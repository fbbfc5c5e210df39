// Path fields become absolute, each relative to the folder of the file that
// wrote it (a base file's paths stay relative to the base); defaults are
// relative to the experiment file itself. Then the files that must exist are checked.
import * as path from 'node:path';
import type { ExperimentConfig } from '../experiment';
import type { Problem } from '../problems';
import { isInside, outsideMessage, shippedModelsFolder } from './confine';
import type { ValidatorHost } from './host';
import { dottedPath, type ConfigPath, type Locator } from './sourceMap';

/** Every path-valued field present in `config`. */
export function pathFields(config: ExperimentConfig): ConfigPath[] {
  const fields: ConfigPath[] = [['output', 'runs_dir']];
  if (config.model.init_from !== undefined) fields.push(['model', 'init_from']);
  const jsonl = config.data.jsonl;
  if (jsonl) for (const k of ['train', 'val', 'test', 'image_root'] as const) if (jsonl[k] !== undefined) fields.push(['data', 'jsonl', k]);
  config.method.valr.repa.encoders.forEach((enc, i) => { if (enc.path !== undefined) fields.push(['method', 'valr', 'repa', 'encoders', i, 'path']); });
  return fields;
}

/** Rewrites relative path fields in place. `baseDirFor` gives the folder a written path is relative to. */
export function resolvePaths(config: ExperimentConfig, baseDirFor: (field: ConfigPath) => string): void {
  for (const field of pathFields(config)) {
    const parent = getAt(config, field.slice(0, -1)) as Record<string | number, unknown>;
    const key = field[field.length - 1];
    const value = parent[key];
    if (typeof value === 'string' && !path.isAbsolute(value)) parent[key] = path.resolve(baseDirFor(field), expandHome(value));
  }
}

export function baseDirFromLocator(locator: Locator, experimentFile: string): (field: ConfigPath) => string {
  return (field) => path.dirname(locator.exact(field)?.file ?? experimentFile);
}

/** Every path field (and swept path value) that points outside `roots`, at its field. */
export function outsidePathProblems(config: ExperimentConfig, locator: Locator, roots: string[]): Problem[] {
  const problems: Problem[] = [];
  const check = (field: ConfigPath, value: unknown, shown: string) => {
    if (typeof value !== 'string' || isInside(value, roots)) return;
    // The base Latent Lab ships is part of the product, not user data: any experiment may start from it.
    if (isInitFrom(field, shown) && isInside(value, [shippedModelsFolder()])) return;
    const { file, range } = locator.locate(field, 'value');
    problems.push({ file, range, severity: 'error', code: 'path.outside', message: outsideMessage(shown, value, roots), path: dottedPath(field) });
  };
  for (const field of pathFields(config)) check(field, getAt(config, field), dottedPath(field));
  for (const [key, values] of Object.entries(config.sweep?.fields ?? {})) {
    if (SWEPT_PATH.test(key)) {
      values.forEach((v, i) => check(['sweep', 'fields', key, i], v, `sweep.fields.${key}`));
    }
  }
  return problems;
}

function isInitFrom(field: ConfigPath, shown: string): boolean {
  return shown === 'model.init_from' || shown === 'sweep.fields.model.init_from' || (field[0] === 'model' && field[1] === 'init_from');
}

/** Sweep field keys whose values are paths (resolved and confined like the field itself). */
export const SWEPT_PATH = /^(model\.init_from|data\.jsonl\.(train|val|test|image_root)|output\.runs_dir|method\.valr\.repa\.encoders\.\d+\.path)$/;

/** Files and folders that must exist for the run to start. Paths are already absolute. */
export function missingPathProblems(config: ExperimentConfig, locator: Locator, host: ValidatorHost): Problem[] {
  const problems: Problem[] = [];
  const report = (field: ConfigPath, code: string, message: string) => {
    const { file, range } = locator.locate(field, 'value');
    problems.push({ file, range, severity: 'error', code, message, path: dottedPath(field) });
  };

  const init = config.model.init_from;
  if (init !== undefined) {
    if (!host.fileExists(init)) report(['model', 'init_from'], 'path.init-from', `\`model.init_from\`: checkpoint folder ${init} does not exist: train a \`kind: pretrain\` experiment first, or fix the path (relative to the file that sets it)`);
    else if (!host.fileExists(path.join(init, 'checkpoint.json'))) report(['model', 'init_from'], 'path.init-from', `\`model.init_from\`: ${init} holds no checkpoint.json: point it at a run's checkpoint folder`);
  }

  const jsonl = config.data.jsonl;
  if (config.data.source === 'jsonl' && jsonl) {
    for (const k of ['train', 'val', 'test', 'image_root'] as const) {
      const p = jsonl[k];
      if (p !== undefined && !host.fileExists(p)) {
        const what = k === 'image_root' ? 'image folder' : `${k} file`;
        report(['data', 'jsonl', k], 'path.jsonl', `\`data.jsonl.${k}\`: ${what} ${p} does not exist: fix the path (relative to the file that sets it)`);
      }
    }
  }

  config.method.valr.repa.encoders.forEach((enc, i) => {
    const field: ConfigPath = ['method', 'valr', 'repa', 'encoders', i];
    if (enc.kind === 'tfjs_model') {
      if (enc.path === undefined) report([...field, 'kind'], 'path.encoder', `\`${dottedPath(field)}\`: kind tfjs_model needs \`path:\` (the model's folder or model.json): add it`);
      else if (!host.fileExists(enc.path)) report([...field, 'path'], 'path.encoder', `\`${dottedPath(field)}.path\`: ${enc.path} does not exist: fix the path to the tfjs model`);
    } else if (enc.path !== undefined) {
      const { file, range } = locator.locate([...field, 'path'], 'key');
      problems.push({ file, range, severity: 'warning', code: 'path.unused', path: dottedPath([...field, 'path']),
        message: `\`${dottedPath(field)}.path\` is ignored for kind ${enc.kind}: delete it, or set \`kind: tfjs_model\`` });
    }
  });
  return problems;
}

export function getAt(root: unknown, field: ConfigPath): unknown {
  let node: unknown = root;
  for (const segment of field) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

function expandHome(p: string): string {
  const home = process.env.HOME;
  return home && (p === '~' || p.startsWith('~/')) ? path.join(home, p.slice(1)) : p;
}
