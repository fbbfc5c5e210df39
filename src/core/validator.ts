// THE experiment validator: YAML text -> resolved, typed ExperimentConfig plus
// every Problem with its file and exact range. The language server, the
// extension, the CLI and the engine all call this; it never throws.
import * as path from 'node:path';
import type { ExperimentConfig } from './experiment';
import { hasErrors, InvalidExperimentError, type Problem } from './problems';
import { checkMergedValue } from './validate/checkConfig';
import { resolveChain } from './validate/extendsChain';
import { isReadFailure, nodeHost, type ValidatorHost } from './validate/host';
import { allowedRoots } from './validate/confine';
import { READ_LIMITS } from './boundedRead';
import { baseDirFromLocator } from './validate/paths';
import { Locator, originRange, pathKey, type SourceLayer } from './validate/sourceMap';

export type { ValidatorHost } from './validate/host';
export { nodeHost } from './validate/host';
export { applyOverrides, expandSweep } from './validate/overrides';
export { experimentSchema, schemaAt, keysAt, type JsonSchema } from './validate/schema';
export { nearest } from './validate/nearest';
// New Experiment (extension) writes templates through the lazily loaded validator bundle.
export { experimentFromTemplate } from './templateCopy';

export interface ValidationResult {
  config?: ExperimentConfig;   // present only when there is no error
  problems: Problem[];
  files: string[];             // the file and every base it extends
}

export function validateExperimentText(text: string, filePath: string, host: ValidatorHost = nodeHost): ValidationResult {
  const file = path.resolve(filePath);
  if (Buffer.byteLength(text, 'utf8') > READ_LIMITS.experiment) {
    return { problems: [{ file, range: originRange(), severity: 'error', code: 'file.too-large',
      message: `this experiment file is larger than the ${READ_LIMITS.experiment / (1024 * 1024)} MiB limit: an experiment is a short YAML file; move data into data.jsonl files` }], files: [file] };
  }
  try {
    const chain = resolveChain(text, file, host);
    if (!chain.value || hasErrors(chain.problems)) {
      return { problems: sortProblems(withBasePointer(chain.problems, chain.layers[0], file), chain.files), files: chain.files };
    }
    const locator = new Locator(chain.layers, file);
    const checked = checkMergedValue(chain.value, locator, baseDirFromLocator(locator, file), host, allowedRoots(file, host));
    const problems = sortProblems(withBasePointer([...chain.problems, ...checked.problems], chain.layers[0], file), chain.files);
    return { ...(hasErrors(problems) ? {} : { config: checked.config }), problems, files: chain.files };
  } catch (err) {
    // A bug here must not take down the language server: report it as a problem.
    const detail = err instanceof Error ? err.message : String(err);
    return { problems: [{ file, range: originRange(), severity: 'error', code: 'internal',
      message: `internal validator error (${detail}): please report it with this file` }], files: [file] };
  }
}

export function validateExperimentFile(filePath: string, host: ValidatorHost = nodeHost): ValidationResult {
  const file = path.resolve(filePath);
  const text = host.fileExists(file) ? host.readFile(file) : undefined;
  if (text === undefined || isReadFailure(text)) {
    const message = text ? text.error
      : `experiment file ${file} ${host.fileExists(file) ? 'cannot be read (is it a folder?)' : 'does not exist'}: check the path`;
    return { problems: [{ file, range: originRange(), severity: 'error', code: text ? 'file.unreadable' : 'file.missing', message }], files: [file] };
  }
  return validateExperimentText(text, file, host);
}

/** The resolved config, or InvalidExperimentError carrying every problem. */
export function loadExperiment(filePath: string): ExperimentConfig {
  const result = validateExperimentFile(filePath);
  if (!result.config) throw new InvalidExperimentError(result.problems);
  return result.config;
}

// An editor shows the open file's problems only: when errors sit in a base file,
// say so on this file's `extends` line, with the first of them.
function withBasePointer(problems: Problem[], own: SourceLayer, file: string): Problem[] {
  const elsewhere = problems.filter((p) => p.severity === 'error' && p.file !== file);
  const span = own.spans.get(pathKey(['extends']));
  if (elsewhere.length === 0 || !span) return problems;
  const first = elsewhere[0];
  const base = path.relative(path.dirname(file), first.file);
  return [...problems, { file, range: span.value, severity: 'error', code: 'extends.base-invalid', path: 'extends',
    message: `base experiment has ${elsewhere.length} error${elsewhere.length === 1 ? '' : 's'} (first: ${base}:${first.range.start.line + 1}: ${first.message}): fix the base file` }];
}

// Problems in the order a reader meets them: the file itself first, then its bases.
function sortProblems(problems: Problem[], files: string[]): Problem[] {
  const rank = (f: string) => { const i = files.indexOf(f); return i < 0 ? files.length : i; };
  return [...problems].sort((a, b) => rank(a.file) - rank(b.file)
    || a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
}
