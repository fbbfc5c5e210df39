// `latent-lab export CHECKPOINT --format safetensors [--out FILE]`

import * as path from 'node:path';
import { parse, usageError } from './trainCommand';

const HELP = `usage: latent-lab export CHECKPOINT --format safetensors [--out FILE]

Writes the weights of CHECKPOINT (a checkpoints/step-N folder, or a run
directory: its latest checkpoint) as safetensors, under the tensor names of
docs/model.md, with the run's config and tokenizer as JSON strings in
__metadata__.

  --format F   safetensors (the only format)
  --out FILE   default: <checkpoint>/model.safetensors
`;

export async function runExportCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) { process.stdout.write(HELP); return 0; }
  const parsed = parse(args, ['format', 'out'], []);
  if (typeof parsed === 'string') return usageError(parsed, HELP);
  if (parsed.positional.length !== 1) return usageError('export needs exactly one CHECKPOINT (or run directory)', HELP);
  const format = parsed.flags.get('format') ?? 'safetensors';
  if (format !== 'safetensors') return usageError(`--format ${String(format)} is not supported; use --format safetensors`, HELP);
  const out = parsed.flags.get('out');
  const { exportCheckpoint } = await import('../engine/export');
  const file = exportCheckpoint(path.resolve(parsed.positional[0]), typeof out === 'string' ? out : undefined);
  process.stdout.write(`wrote ${file}\n`);
  return 0;
}
