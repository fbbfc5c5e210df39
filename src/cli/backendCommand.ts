// `latent-lab backend`: which tfjs backend a run would get here, and why the
// others were skipped (the same report a run writes to summary.json). With
// --backend webgpu it starts Dawn and names the adapter, a software one too;
// scripts/gpu-check.sh asserts on --json. With --exact FILE it runs the WebGPU
// exactness check (engine/gpuExactness.ts) and exits 1 when the backends disagree.
import * as path from 'node:path';
import { BACKEND_NAMES as BACKENDS, type BackendName as Startable } from '../core/experiment';
import { describeBackend } from '../core/events';
import { parse, usageError } from './trainCommand';

const HELP = `usage: latent-lab backend [--backend B] [--json]
       latent-lab backend --exact FILE --out DIR [--json]
Starts a tfjs backend as a run would and prints what it got.
  --backend B   ${BACKENDS.join(' | ')} (default auto)
  --json        print the report (name, adapter, tried) as JSON
  --exact FILE  the WebGPU exactness check: trains FILE (e.g. bench/gpu/exact.experiment.yaml) on
                webgpu and on wasm into DIR/webgpu and DIR/wasm, compares losses, the final
                evaluation, greedy generation, and the webgpu checkpoint evaluated on wasm (docs/gpu.md)
Exit status: 0 when the backend started (--exact: the backends agree), 1 when not, 2 on a usage error.
`;

export async function runBackendCommand(args: string[]): Promise<number> {
  if (args.includes('--help')) { process.stdout.write(HELP); return 0; }
  const parsed = parse(args, ['backend', 'exact', 'out'], ['json']);
  if (typeof parsed === 'string') return usageError(parsed, HELP);
  const exact = parsed.flags.get('exact');
  if (exact !== undefined) return runExact(String(exact), parsed.flags.get('out'), parsed.flags.has('json'));
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

async function runExact(file: string, out: string | true | undefined, json: boolean): Promise<number> {
  if (typeof out !== 'string') return usageError('--exact needs --out DIR (the two runs are written there)', HELP);
  const { compareWebGpuWithWasm } = await import('../engine/gpuExactness');
  const log = (line: string) => process.stderr.write(`${line}\n`);
  try {
    const r = await compareWebGpuWithWasm(path.resolve(file), path.resolve(out), log);
    if (json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    else {
      process.stdout.write(`losses over ${r.steps} steps: max |webgpu − wasm| ${r.maxLossGap.toExponential(2)} (tolerance ${r.tolerances.loss}); ` +
        `greedy tokens ${r.generation.sameTokens ? 'equal' : 'DIFFER'}, max |Δlogit| ${r.generation.maxLogitGap.toExponential(2)}; ` +
        `eval ${(100 * r.eval.webgpu.mean_accuracy).toFixed(1)}% webgpu, ${(100 * r.eval.wasm.mean_accuracy).toFixed(1)}% wasm, ` +
        `${(100 * r.eval.webgpuCheckpointOnWasm.mean_accuracy).toFixed(1)}% webgpu checkpoint on wasm\n`);
    }
    for (const f of r.failures) process.stderr.write(`FAIL: ${f}\n`);
    return r.failures.length === 0 ? 0 : 1;
  } catch (e) {
    process.stderr.write(`latent-lab backend --exact: ${(e as Error).message}\n`);
    return 1;
  }
}
