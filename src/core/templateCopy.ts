// An experiment file written from a template somewhere else (New Experiment copies
// one of the extension's examples into the workspace). Relative path fields are
// relative to the file that writes them, so a verbatim copy points them at
// nothing: `model.init_from: ../models/tiny-vlm-base/checkpoint` from
// <extension>/examples/ must become a path that names the same folder from the
// new file's folder. Comments and layout are kept (yaml Document API).

import * as path from 'node:path';
import { isScalar, parseDocument } from 'yaml';
import type { ExperimentConfig } from './experiment';
import { pathFields } from './validate/paths';

/**
 * The template's text for a new file at `targetFile` named `name`: the schema
 * modeline dropped (its relative $schema would break too), `name:` replaced, every
 * relative path field re-expressed from the target's folder: relative when it stays
 * inside that folder, absolute otherwise (a path climbing out of the workspace into
 * the extension's install folder helps nobody read the file).
 */
export function experimentFromTemplate(templateText: string, templateFile: string, targetFile: string, name: string): string {
  const doc = parseDocument(templateText.replace(/^# yaml-language-server:.*\n/m, ''));
  if (doc.errors.length > 0) throw new Error(`${templateFile}: ${doc.errors[0].message}`);
  if (doc.has('name')) doc.set('name', name);
  const fromDir = path.dirname(templateFile);
  const toDir = path.dirname(targetFile);
  for (const field of pathFields(looseConfig(doc.toJS()))) {
    const node = doc.getIn(field, true);
    if (!isScalar(node) || typeof node.value !== 'string') continue;
    const written = node.value;
    if (path.isAbsolute(written) || written === '~' || written.startsWith('~/')) continue;
    const target = path.resolve(fromDir, written);
    const relative = path.relative(toDir, target);
    node.value = relative === '' ? '.' : relative.startsWith('..') || path.isAbsolute(relative) ? target : relative.split(path.sep).join('/');
  }
  return doc.toString();
}

/** The parsed template shaped enough for pathFields (which reads a validated config). */
function looseConfig(raw: unknown): ExperimentConfig {
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, Record<string, unknown> | undefined>;
  const valr = (r.method?.valr ?? {}) as { repa?: { encoders?: unknown } };
  const encoders = Array.isArray(valr.repa?.encoders) ? valr.repa.encoders : [];
  return {
    model: r.model ?? {},
    data: r.data ?? {},
    method: { valr: { repa: { encoders: encoders.map((e) => (typeof e === 'object' && e !== null ? e : {})) } } },
    output: r.output ?? {},
  } as unknown as ExperimentConfig;
}
