// `latent-lab validate FILE... [--json]`: the one validator, from a shell or CI.
import { formatProblem, hasErrors } from '../core/problems';
import { validateExperimentFile } from '../core/validator';

const USAGE = `usage: latent-lab validate FILE... [--json]

Checks experiment files (*.experiment.yaml) and every base they extend.
Prints one line per problem, "file:line:col: severity: message", or "FILE: ok".
  --json   print [{file, ok, files, problems}] instead (problems with 0-based ranges)
Exit status: 0 when no file has an error, 1 when one has, 2 on a usage error.
`;

export async function runValidateCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const unknown = args.filter((a) => a.startsWith('-') && a !== '--json');
  const files = args.filter((a) => !a.startsWith('-'));
  if (unknown.length || files.length === 0) {
    process.stderr.write(`latent-lab validate: ${unknown.length ? `unknown option ${unknown.join(', ')}` : 'no file given'}\n${USAGE}`);
    return 2;
  }

  const json = args.includes('--json');
  const report: { file: string; ok: boolean; files: string[]; problems: unknown[] }[] = [];
  let failed = false;
  for (const file of files) {
    const result = validateExperimentFile(file);
    const ok = !hasErrors(result.problems);
    failed ||= !ok;
    if (json) {
      report.push({ file, ok, files: result.files, problems: result.problems });
      continue;
    }
    for (const p of result.problems) process.stdout.write(`${formatProblem(p)}\n`);
    if (ok && result.problems.length === 0) process.stdout.write(`${file}: ok\n`);
  }
  if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return failed ? 1 : 0;
}
