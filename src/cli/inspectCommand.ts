// `latent-lab inspect CHECKPOINT --examples FILE --out DUMP [--experiment FILE]`

import * as path from 'node:path';
import { parse, usageError } from './trainCommand';

const HELP = `usage: latent-lab inspect CHECKPOINT --examples FILE --out DUMP [--experiment FILE]

Runs CHECKPOINT (a checkpoints/step-N folder, or a run directory: its latest
checkpoint) on the examples in FILE and writes DUMP, an attention capture file
(docs/capture-format.md) with every layer's attention maps and every loss term
of each example. A CrystaL checkpoint runs both paths (intact and corrupted).

  --examples FILE    JSONL, one {"image", "question", "choices"?, "answer"} per line;
                     images relative to FILE's folder
  --out DUMP         capture file to write (e.g. dump.llcap)
  --experiment FILE  use this experiment's config instead of the run's config.json
`;

export async function runInspectCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) { process.stdout.write(HELP); return 0; }
  const parsed = parse(args, ['examples', 'out', 'experiment'], []);
  if (typeof parsed === 'string') return usageError(parsed, HELP);
  if (parsed.positional.length !== 1) return usageError('inspect needs exactly one CHECKPOINT (or run directory)', HELP);
  const examples = parsed.flags.get('examples');
  const out = parsed.flags.get('out');
  if (typeof examples !== 'string') return usageError('inspect needs --examples FILE', HELP);
  if (typeof out !== 'string') return usageError('inspect needs --out DUMP', HELP);
  const experiment = parsed.flags.get('experiment');
  const { inspectCheckpoint } = await import('../engine/eval/inspect');
  const r = await inspectCheckpoint(path.resolve(parsed.positional[0]), {
    examples, out, experiment: typeof experiment === 'string' ? experiment : undefined,
    log: (m) => { process.stderr.write(m + '\n'); },
  });
  for (const e of r.examples) {
    const terms = Object.entries(e.losses).map(([k, v]) => `${k} ${v.toFixed(4)}`).join('  ');
    process.stdout.write(`${e.id}: ${e.correct ? 'correct' : 'wrong'} (predicted "${e.prediction}")  ${terms}\n`);
  }
  process.stdout.write(`wrote ${r.file}\n`);
  return 0;
}
