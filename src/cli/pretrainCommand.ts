// `latent-lab pretrain FILE`: trains a base model and packages it (src/engine/pretrain.ts).
import * as path from 'node:path';
import { InvalidExperimentError } from '../core/problems';
import { ProgressPrinter } from './progress';
import { intFlag, parse, printInvalid, usageError } from './trainCommand';

const HELP = `usage: latent-lab pretrain FILE [--out DIR] [--ship DIR] [--max-steps N] [--init-from CKPT] [--reproduce CMD] [--quiet]

Trains a 'kind: pretrain' experiment (plain SFT on a broad task mix), evaluates
it on the held-out test split, and packages the base: DIR/checkpoint (what
model.init_from points at), DIR/model.safetensors, DIR/card.json and
DIR/MODEL_CARD.md with per-task test accuracy against chance.

  --out DIR        run directory (default: <output.runs_dir>/<YYYYMMDD-HHMMSS>-<name>)
  --ship DIR       where to package the base (default: <run directory>/base)
  --max-steps N    stop after N optimizer steps (overrides train.max_steps)
  --init-from CKPT start from this checkpoint folder (overrides model.init_from; curriculum stages)
  --reproduce CMD  the command recorded in the card as the way to rebuild this base
  --quiet          print only evaluations, errors and the result

The shipped base of this repository (models/tiny-vlm-base) is rebuilt by
  bash scripts/pretrain-base.sh
which runs the five curriculum stages with this command.
`;

export async function runPretrainCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) { process.stdout.write(HELP); return 0; }
  const parsed = parse(args, ['out', 'ship', 'max-steps', 'reproduce', 'init-from'], ['quiet']);
  if (typeof parsed === 'string') return usageError(parsed, HELP);
  if (parsed.positional.length !== 1) return usageError('pretrain needs exactly one experiment FILE', HELP);
  const maxSteps = intFlag(parsed.flags.get('max-steps'), 'max-steps');
  if (typeof maxSteps === 'string') return usageError(maxSteps, HELP);
  const flag = (name: string): string | undefined => { const v = parsed.flags.get(name); return typeof v === 'string' ? v : undefined; };
  const file = parsed.positional[0];
  const printer = new ProgressPrinter({ quiet: parsed.flags.has('quiet') });
  const { pretrainBase, renderCard } = await import('../engine/pretrain');
  try {
    const r = await pretrainBase(path.resolve(file), {
      outDir: flag('out'),
      shipDir: flag('ship'),
      maxSteps,
      initFrom: flag('init-from'),
      onEvent: (e) => printer.handle(e),
      handleSignals: true,
      reproduce: flag('reproduce'),   // default: this command, written by pretrainBase
    });
    printer.finish();
    process.stdout.write(renderCard(r.card) + `\nbase written to ${r.shipDir}\n`);
    return 0;
  } catch (err) {
    printer.finish();
    if (err instanceof InvalidExperimentError) return printInvalid(err);
    throw err;
  }
}
