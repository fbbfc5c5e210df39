// Replacement for the wasm BatchMatMul kernel (tfjs-backend-wasm 4.22.0 exactly;
// package.json pins it). The stock kernel uses XNNPACK only when batch == 1 and
// no transpose flag is set; every attention matmul and every backward matmul
// otherwise runs a naive C++ loop at ≈2 GFLOP/s. This kernel materialises the
// transposes and runs each batch slice through the stock (XNNPACK) path on
// zero-copy views: 12× on attention, 888 → 573 ms per reference train step.
// It reaches into wasm-backend internals, hence the pin and the opt-out
// (runtime option fastBatchMatMul: false).
import type * as tfTypes from '@tensorflow/tfjs';

type TF = typeof tfTypes;
type TensorInfo = tfTypes.TensorInfo;
type KernelConfig = tfTypes.KernelConfig;
type KernelFunc = KernelConfig['kernelFunc'];

// The parts of BackendWasm this kernel touches (not in its public typings).
interface WasmInternals {
  wasm: {
    cwrap(name: string, ret: null, args: string[]): (...a: unknown[]) => void;
    tfjs: { registerTensor(id: number, size: number, offset: number): void; disposeData(id: number): void };
  };
  dataIdNextNumber: number;
  dataIdMap: { get(id: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  disposeData(id: object): void;
}

let original: KernelConfig | undefined;

export function fastBatchMatMulInstalled(): boolean {
  return original !== undefined;
}

export function installFastBatchMatMul(tf: TF): void {
  if (original !== undefined) return;
  if (tf.getBackend() !== 'wasm') throw new Error('installFastBatchMatMul: the wasm backend must be active');
  const orig = tf.getKernel('BatchMatMul', 'wasm');
  const transposeK = tf.getKernel('Transpose', 'wasm');
  const reshapeK = tf.getKernel('Reshape', 'wasm');
  if (!orig || !transposeK || !reshapeK) throw new Error('installFastBatchMatMul: wasm kernels not registered');
  const be = tf.backend() as unknown as WasmInternals;
  const bmm = be.wasm.cwrap('BatchMatMul', null,
    ['number', 'array', 'number', 'number', 'array', 'number', 'number', 'number', 'number']);
  const shapeBytes = (s: number[]) => new Uint8Array(new Int32Array(s).buffer);
  const call = (k: KernelConfig, inputs: Record<string, TensorInfo>, attrs: Record<string, unknown>) =>
    (k.kernelFunc as (a: unknown) => TensorInfo)({ inputs, backend: be, attrs });
  const swapLast = (x: TensorInfo) => {
    const r = x.shape.length;
    const perm = [...Array(r).keys()];
    perm[r - 1] = r - 2; perm[r - 2] = r - 1;
    return call(transposeK, { x }, { perm });
  };

  const kernelFunc = ((args: { inputs: { a: TensorInfo; b: TensorInfo }; attrs: Record<string, unknown> }) => {
    let { a, b } = args.inputs;
    const attrs = { ...args.attrs, transposeA: false, transposeB: false };
    const temps: TensorInfo[] = [];
    if (args.attrs.transposeA) { a = swapLast(a); temps.push(a); }
    if (args.attrs.transposeB) { b = swapLast(b); temps.push(b); }
    const ar = a.shape.length, br = b.shape.length;
    const M = a.shape[ar - 2], K = a.shape[ar - 1], N = b.shape[br - 1];
    const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
    const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
    const outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
    const batch = Math.max(batchA, batchB);
    let out: TensorInfo;
    if (batch === 1 || (batchA !== batchB && batchA !== 1 && batchB !== 1)) {
      out = call(orig, { a, b }, attrs);
    } else if (batchB === 1) {
      // [batch·M, K] × [K, N]: one XNNPACK call.
      const a2 = call(reshapeK, { x: a }, { shape: [batchA * M, K] });
      out = call(orig, { a: a2, b }, attrs);
      be.disposeData(a2.dataId);
    } else {
      out = be.makeOutput([batch, M, N], 'float32');
      const aOff = be.dataIdMap.get(a.dataId).memoryOffset;
      const bOff = be.dataIdMap.get(b.dataId).memoryOffset;
      const oOff = be.dataIdMap.get(out.dataId).memoryOffset;
      const sa = shapeBytes([1, M, K]), sb = shapeBytes([1, K, N]);
      for (let i = 0; i < batch; i++) {
        const ia = be.dataIdNextNumber++, ib = be.dataIdNextNumber++, io = be.dataIdNextNumber++;
        be.wasm.tfjs.registerTensor(ia, M * K, aOff + 4 * M * K * (batchA === 1 ? 0 : i));
        be.wasm.tfjs.registerTensor(ib, K * N, bOff + 4 * K * N * (batchB === 1 ? 0 : i));
        be.wasm.tfjs.registerTensor(io, M * N, oOff + 4 * M * N * i);
        bmm(ia, sa, 3, ib, sb, 3, false, false, io);
        be.wasm.tfjs.disposeData(ia); be.wasm.tfjs.disposeData(ib); be.wasm.tfjs.disposeData(io);
      }
    }
    for (const t of temps) be.disposeData(t.dataId);
    (out as { shape: number[] }).shape = [...outer, M, N];
    return out;
  }) as unknown as KernelFunc;

  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({ kernelName: 'BatchMatMul', backendName: 'wasm', setupFunc: orig.setupFunc, kernelFunc });
  original = orig;
}

/** Puts the stock kernel back (tests compare both). */
export function uninstallFastBatchMatMul(tf: TF): void {
  if (original === undefined) return;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel(original);
  original = undefined;
}
