// The machine's sgemm peak as the engine sees it: tf.matMul of two 1024×1024
// float32 matrices through whatever BatchMatMul kernel is registered (the native
// sgemm when the addon is installed), best of 5 after a warm-up.
import { tf } from '../src/engine/backend';
import { activeNativeKernels } from '../src/engine/kernels';

export function measureSgemmPeak(n = 1024): { gflops: number; what: string } {
  const a = tf.randomNormal([n, n]), b = tf.randomNormal([n, n]);
  let best = Infinity;
  for (let i = 0; i < 6; i++) {
    const t0 = process.hrtime.bigint();
    const c = tf.matMul(a, b);
    c.dataSync();
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    c.dispose();
    if (i > 0) best = Math.min(best, s);
  }
  a.dispose(); b.dispose();
  const native = activeNativeKernels(tf).includes('BatchMatMul');
  return { gflops: (2 * n ** 3) / best / 1e9, what: `${n}³ tf.matMul, ${native ? 'native sgemm' : 'stock kernel'}, best of 5` };
}
