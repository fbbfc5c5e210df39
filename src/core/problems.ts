// A problem found in an experiment file. Positions are zero-based (LSP style);
// the CLI prints them one-based as `file:line:col`.

export type Severity = 'error' | 'warning' | 'info';

export interface Position { line: number; character: number }
export interface Range { start: Position; end: Position }

export interface Problem {
  file: string;            // absolute path of the file the range is in
  range: Range;
  severity: Severity;
  message: string;         // names the field and says what to do
  code: string;            // stable id, e.g. 'schema.enum', 'semantic.heads'
  path?: string;           // dotted config path, e.g. 'model.heads'
  /** Quick-fix candidates: replacement text for `range` (nearest key or value). */
  fixes?: { title: string; newText: string }[];
}

export function formatProblem(p: Problem): string {
  return `${p.file}:${p.range.start.line + 1}:${p.range.start.character + 1}: ${p.severity}: ${p.message}`;
}

export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}

/** Thrown by the engine and CLI when a file must not run; carries every problem. */
export class InvalidExperimentError extends Error {
  constructor(readonly problems: Problem[]) {
    super(problems.filter((p) => p.severity === 'error').map(formatProblem).join('\n'));
    this.name = 'InvalidExperimentError';
  }
}
