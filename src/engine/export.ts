// Weights → safetensors (https://github.com/huggingface/safetensors, format only;
// no dependency): what another framework loads to check our numbers.
//
//   0  u64 LE  n                 byte length of the JSON header
//   8  header  n bytes UTF-8 JSON, padded with spaces to a multiple of 8:
//        { "<name>": { "dtype": "F32", "shape": [...], "data_offsets": [begin, end] }, …,
//          "__metadata__": { "format": "latent-lab", "config": "<json>", "tokenizer": "<json>", … } }
//   8+n  data                    raw little-endian float32, tensors in name order, offsets
//                                relative to the start of the data section
//
// Tensor names are the model's variable names (docs/model.md §1), e.g.
// `decoder.block.0.attn.qkv.weight`; linear weights are [in, out] as in the model.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { isCheckpointDir, isRunDir, latestCheckpoint, runDirOfCheckpoint, runPaths } from '../core/runLayout';
import { writeFileAtomic } from '../core/atomicWrite';
import { loadCheckpoint, type HostTensor } from './checkpoint';
import { READ_LIMITS, readTextBounded } from '../core/boundedRead';
import { withoutProbeHeads } from './methods/probeHeads';

interface HeaderEntry { dtype: string; shape: number[]; data_offsets: [number, number] }

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function encodeSafetensors(tensors: Map<string, HostTensor>, metadata: Record<string, string> = {}): Uint8Array {
  const names = [...tensors.keys()].sort();
  const header: Record<string, HeaderEntry | Record<string, string>> = {};
  let offset = 0;
  for (const name of names) {
    const t = tensors.get(name)!;
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new Error(`safetensors: tensor '${name}' has shape [${t.shape}] (${n} values) but ${t.data.length} values`);
    header[name] = { dtype: 'F32', shape: t.shape.slice(), data_offsets: [offset, offset + 4 * n] };
    offset += 4 * n;
  }
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let json = JSON.stringify(header);
  const jsonBytes = Buffer.byteLength(json, 'utf8');
  json += ' '.repeat((8 - ((8 + jsonBytes) % 8)) % 8);   // data section starts 8-aligned
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const name of names) {
    const d = tensors.get(name)!.data;
    if (littleEndian) out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), at);
    else d.forEach((v, j) => view.setFloat32(at + 4 * j, v, true));
    at += d.byteLength;
  }
  return out;
}

export interface Safetensors { tensors: Map<string, HostTensor>; metadata: Record<string, string> }

/** Parses a safetensors file (F32 only, the dtype we write); throws naming what is wrong. */
export function decodeSafetensors(bytes: Uint8Array, name = 'safetensors file'): Safetensors {
  if (bytes.length < 8) throw new Error(`${name}: ${bytes.length} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (8 + n > bytes.length) throw new Error(`${name}: header of ${n} bytes runs past the end of the file (${bytes.length} bytes)`);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, unknown>;
  const dataStart = 8 + n;
  const tensors = new Map<string, HostTensor>();
  let metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(header)) {
    if (key === '__metadata__') { metadata = value as Record<string, string>; continue; }
    const e = value as HeaderEntry;
    if (e.dtype !== 'F32') throw new Error(`${name}: tensor '${key}' has dtype ${e.dtype}; only F32 is supported`);
    const [b, end] = e.data_offsets;
    if (dataStart + end > bytes.length) throw new Error(`${name}: tensor '${key}' ends past the end of the file`);
    const data = new Float32Array((end - b) / 4);
    for (let j = 0; j < data.length; j++) data[j] = view.getFloat32(dataStart + b + 4 * j, true);
    tensors.set(key, { shape: e.shape, data });
  }
  return { tensors, metadata };
}

/** Writes weights as a safetensors file atomically (pretrain ships its base model with this). */
export function writeSafetensors(file: string, tensors: Map<string, HostTensor>, metadata: Record<string, string> = {}): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomic(file, encodeSafetensors(tensors, metadata));
}

/** A checkpoint folder, or a run directory (its latest checkpoint) → the checkpoint folder. */
export function resolveCheckpoint(target: string): string {
  const dir = path.resolve(target);
  if (isCheckpointDir(dir)) return dir;
  if (isRunDir(dir)) {
    const latest = latestCheckpoint(dir);
    if (!latest) throw new Error(`${target} has no checkpoint yet (checkpoints/latest is missing): train or resume it first`);
    return latest;
  }
  throw new Error(`${target} is neither a checkpoint folder (checkpoint.json) nor a run directory (config.json)`);
}

/** Writes a checkpoint's weights as safetensors (default: <checkpoint>/model.safetensors); returns the path. */
export function exportCheckpoint(target: string, out?: string): string {
  const checkpointDir = resolveCheckpoint(target);
  const ckpt = loadCheckpoint(checkpointDir);
  const metadata: Record<string, string> = {
    format: 'latent-lab', step: String(ckpt.step), tokenizer: JSON.stringify(ckpt.tokenizer), meta: JSON.stringify(ckpt.meta),
  };
  const config = runPaths(runDirOfCheckpoint(checkpointDir)).config;
  if (fs.existsSync(config)) metadata.config = JSON.stringify(JSON.parse(readTextBounded(config, READ_LIMITS.runJson, 'run config')));
  const file = path.resolve(out ?? path.join(checkpointDir, 'model.safetensors'));
  writeSafetensors(file, withoutProbeHeads(ckpt.weights), metadata);
  return file;
}
