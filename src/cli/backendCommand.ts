// `latent-lab backend`: which tfjs backend a run would get here, and why the
// others were skipped (the same report a run writes to summary.json). With
// --backend webgpu it starts Dawn and names the adapter (a probe: runs do not use
// webgpu yet, docs/gpu.md); scripts/gpu-check.sh asserts on --json.
import { describeBackend } from '../core/events';
import { parse, usageError } from './trainCommand';

const BACKENDS = ['auto', 'tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
type Startable = (typeof BACKENDS)[number];
const HELP = `usage: latent-lab backend [--backend B] [--json]
Starts a tfjs backend as a run would and prints what it got.
  --backend B   ${BACKENDS.join(' | ')} (default auto)
  --json        print the report (name, adapter, tried) as JSON
Exit status: 0 when the backend started, 1 when it cannot, 2 on a usage error.
`;

export async function runBackendCommand(args: string[]): Promise<number> {
  if (args.includes('--help')) { process.stdout.write(HELP); return 0; }
  const parsed = parse(args, ['backend'], ['json']);
  if (typeof parsed === 'string') return usageError(parsed, HELP);
  const flag = parsed.flags.get('backend');
  const requested = (typeof flag === 'string' ? flag : 'auto') as Startable;
  if (!(BACKENDS as readonly string[]).includes(requested)) return usageError(`--backend must be one of ${BACKENDS.join(', ')}`, HELP);
  const { selectBackend } = await import('../engine/backend');
  try {
    const report = await selectBackend(requested, { threads: 1 });
    process.stdout.write(parsed.flags.has('json') ? `${JSON.stringify(report)}\n` : `${describeBackend(report)}\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`latent-lab backend: ${(e as Error).message}\n`);
    return 1;
  }
}
