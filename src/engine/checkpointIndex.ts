// checkpoint.json: the index of a checkpoint folder, and its own checksum.
//
// Since format version 2 the index carries `index_sha256`, the sha256 of the index's
// JSON text without that field. Every byte of the index (step, epoch position, RNG
// state, tensor names, shapes and offsets, the data files' checksums) is therefore
// covered: an edited or bit-flipped index is refused instead of resuming silently
// with other results. Version 1 (no index checksum) is still read, every field
// checked for its type, and reported as unverified.
import * as crypto from 'node:crypto';
import type { OptimizerState } from './optimizer';

export const CHECKPOINT_FORMAT = 'latent-lab-checkpoint';
export const CHECKPOINT_VERSION = 2;
const LEGACY_VERSION = 1;

export interface FileEntry { bytes: number; sha256: string }
export interface TensorEntry { name: string; shape: number[]; dtype: 'float32'; offset: number; bytes: number }
export interface SlotEntry { name: string; shape: number[]; offset: number; bytes: number }   // m at offset, v right after

export interface CheckpointIndex {
  format: string;
  version: number;
  created: string;
  step: number;
  epoch: number;
  position_in_epoch: number;
  files: Record<string, FileEntry>;
  tensors: TensorEntry[];
  optimizer?: { kind: OptimizerState['kind']; step: number; slots: SlotEntry[] };
  rng: Record<string, unknown>;
  meta: Record<string, unknown>;
  index_sha256?: string;
}

export function sha256(data: Uint8Array | string): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

/** The index's text with its checksum, as written to checkpoint.json. */
export function sealIndex(index: Omit<CheckpointIndex, 'index_sha256' | 'version'>): string {
  const body = { ...index, version: CHECKPOINT_VERSION };
  return JSON.stringify({ ...body, index_sha256: sha256(JSON.stringify(body)) }, null, 1);
}

/** A parsed index whose checksum (v2) and field types were checked; `verified` is false for a v1 index. */
export function verifyIndex(text: string, fail: (detail: string) => Error): { index: CheckpointIndex; verified: boolean } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw fail(`not valid JSON (${(e as Error).message.slice(0, 80)})`);
  }
  if (!isRecord(raw)) throw fail('not a JSON object');
  if (raw.format !== CHECKPOINT_FORMAT || (raw.version !== CHECKPOINT_VERSION && raw.version !== LEGACY_VERSION)) {
    throw fail(`format '${String(raw.format).slice(0, 40)}' v${String(raw.version).slice(0, 10)} is not ${CHECKPOINT_FORMAT} v${CHECKPOINT_VERSION} (or v${LEGACY_VERSION})`);
  }
  const verified = raw.version === CHECKPOINT_VERSION;
  if (verified) {
    const { index_sha256: stored, ...body } = raw;
    if (typeof stored !== 'string' || sha256(JSON.stringify(body)) !== stored) {
      throw fail('the index (step, epoch position, RNG state or tensor layout) was changed after it was written: its index_sha256 does not match');
    }
  }
  checkShape(raw, fail);
  return { index: raw as unknown as CheckpointIndex, verified };
}

function checkShape(r: Record<string, unknown>, fail: (detail: string) => Error): void {
  for (const k of ['step', 'epoch', 'position_in_epoch']) if (!isCount(r[k])) throw fail(`field "${k}" must be a whole number ≥ 0`);
  if (!isRecord(r.files) || !Object.values(r.files).every((f) => isRecord(f) && isCount(f.bytes) && typeof f.sha256 === 'string')) {
    throw fail('field "files" must map each file to {bytes, sha256}');
  }
  if (!Array.isArray(r.tensors) || !r.tensors.every((t) => isRecord(t) && typeof t.name === 'string' && isShape(t.shape) && isCount(t.offset) && isCount(t.bytes))) {
    throw fail('field "tensors" must list {name, shape, offset, bytes} per tensor');
  }
  if (r.optimizer !== undefined) {
    const o = r.optimizer;
    if (!isRecord(o) || !isCount(o.step) || !Array.isArray(o.slots)
      || !o.slots.every((s) => isRecord(s) && typeof s.name === 'string' && isShape(s.shape) && isCount(s.offset) && isCount(s.bytes))) {
      throw fail('field "optimizer" must hold {kind, step, slots: [{name, shape, offset, bytes}]}');
    }
  }
  if (r.rng !== undefined && !isRecord(r.rng)) throw fail('field "rng" must be an object');
  if (r.meta !== undefined && !isRecord(r.meta)) throw fail('field "meta" must be an object');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function isShape(v: unknown): v is number[] {
  return Array.isArray(v) && v.every(isCount);
}
