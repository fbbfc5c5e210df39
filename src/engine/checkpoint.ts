// Checkpoints: one folder per step, written atomically, every byte checksummed.
//
//   checkpoints/step-N/checkpoint.json   index (format, step, epoch, position,
//                                        tensor names/shapes/offsets, optimizer
//                                        slot offsets, RNG states, sha256 per file)
//   checkpoints/step-N/weights.bin       every model variable, float32 little-endian, concatenated
//   checkpoints/step-N/optimizer.bin     Adam m and v per trainable variable, concatenated
//   checkpoints/step-N/tokenizer.json    the vocabulary the model was trained with
//   checkpoints/latest                   text: "step-N"
//
// The folder is written as `.tmp-step-N-<pid>`, each file fsynced, then renamed
// into place; `latest` is replaced by temp file + rename. A reader therefore sees
// a whole checkpoint or none, and a checksum mismatch means disk corruption.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CHECKPOINT_FILES, RUN_FILES, checkpointFolderName } from '../core/runLayout';
import type { OptimizerState } from './optimizer';

export const CHECKPOINT_FORMAT = 'latent-lab-checkpoint';
export const CHECKPOINT_VERSION = 1;

export interface HostTensor { shape: number[]; data: Float32Array }

export interface CheckpointContent {
  step: number;                     // optimizer steps done
  epoch: number;                    // epoch the next step belongs to (0-based)
  positionInEpoch: number;          // examples of that epoch's shuffled order already used
  weights: Map<string, HostTensor>; // every model variable, by name
  optimizer?: OptimizerState;
  rng: Record<string, unknown>;     // named RNG states
  tokenizer: unknown;               // Tokenizer.toJSON()
  meta: Record<string, unknown>;    // name, method, config hash ...
}

interface FileEntry { bytes: number; sha256: string }
interface TensorEntry { name: string; shape: number[]; dtype: 'float32'; offset: number; bytes: number }
interface SlotEntry { name: string; shape: number[]; offset: number; bytes: number }   // m at offset, v right after

interface CheckpointIndex {
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
}

/** Raised for a checkpoint that cannot be trusted; the message names the file. */
export class CorruptCheckpointError extends Error {
  constructor(readonly file: string, detail: string) {
    super(`corrupt checkpoint: ${file}: ${detail}. Delete this checkpoint folder (or point 'latest' at an older one) and resume from there.`);
    this.name = 'CorruptCheckpointError';
  }
}

// ---- atomic files ---------------------------------------------------------

function fsyncPath(p: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(p, 'r');
    fs.fsyncSync(fd);
  } catch {
    // some file systems refuse fsync on directories; the rename is still atomic
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Writes `file` via a temp file in the same folder, fsync, and rename. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  const fd = fs.openSync(tmp, 'w');
  try {
    if (typeof data === 'string') fs.writeSync(fd, data); else fs.writeSync(fd, data, 0, data.byteLength);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

function writeFileSynced(file: string, data: string | Uint8Array): FileEntry {
  const fd = fs.openSync(file, 'w');
  try {
    if (typeof data === 'string') fs.writeSync(fd, data); else fs.writeSync(fd, data, 0, data.byteLength);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return { bytes: buf.byteLength, sha256: sha256(buf) };
}

function sha256(data: Uint8Array): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

function bytesOf(a: Float32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

// ---- save -----------------------------------------------------------------

/** Writes `<checkpointsDir>/step-N/` atomically and points `latest` at it. Returns the folder. */
export function saveCheckpoint(checkpointsDir: string, c: CheckpointContent): string {
  fs.mkdirSync(checkpointsDir, { recursive: true });
  const name = checkpointFolderName(c.step);
  const final = path.join(checkpointsDir, name);
  const tmp = path.join(checkpointsDir, `.tmp-${name}-${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp);

  const tensors: TensorEntry[] = [];
  const weightParts: Buffer[] = [];
  let offset = 0;
  for (const [tname, t] of c.weights) {
    const b = bytesOf(t.data);
    tensors.push({ name: tname, shape: t.shape, dtype: 'float32', offset, bytes: b.byteLength });
    weightParts.push(b);
    offset += b.byteLength;
  }
  const files: Record<string, FileEntry> = {};
  files[CHECKPOINT_FILES.weights] = writeFileSynced(path.join(tmp, CHECKPOINT_FILES.weights), Buffer.concat(weightParts));

  let optimizer: CheckpointIndex['optimizer'];
  if (c.optimizer) {
    const slots: SlotEntry[] = [];
    const parts: Buffer[] = [];
    let off = 0;
    for (const s of c.optimizer.slots) {
      if (!s.m || !s.v) continue;
      slots.push({ name: s.name, shape: s.shape, offset: off, bytes: s.m.byteLength });
      parts.push(bytesOf(s.m), bytesOf(s.v));
      off += s.m.byteLength + s.v.byteLength;
    }
    files[CHECKPOINT_FILES.optimizer] = writeFileSynced(path.join(tmp, CHECKPOINT_FILES.optimizer), Buffer.concat(parts));
    optimizer = { kind: c.optimizer.kind, step: c.optimizer.step, slots };
  }
  files[CHECKPOINT_FILES.tokenizer] = writeFileSynced(path.join(tmp, CHECKPOINT_FILES.tokenizer), JSON.stringify(c.tokenizer));

  const index: CheckpointIndex = {
    format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, created: new Date().toISOString(),
    step: c.step, epoch: c.epoch, position_in_epoch: c.positionInEpoch,
    files, tensors, optimizer, rng: c.rng, meta: c.meta,
  };
  writeFileSynced(path.join(tmp, CHECKPOINT_FILES.index), JSON.stringify(index, null, 1));
  fsyncPath(tmp);

  if (fs.existsSync(final)) {
    // Re-writing the same step (a resumed run stopping where it started): move the old one aside first.
    const old = path.join(checkpointsDir, `.old-${name}-${process.pid}`);
    fs.renameSync(final, old);
    fs.renameSync(tmp, final);
    fs.rmSync(old, { recursive: true, force: true });
  } else {
    fs.renameSync(tmp, final);
  }
  fsyncPath(checkpointsDir);
  writeFileAtomic(path.join(checkpointsDir, RUN_FILES.latest), name + '\n');
  return final;
}

// ---- load -----------------------------------------------------------------

function readVerified(dir: string, file: string, entry: FileEntry | undefined): Buffer {
  const full = path.join(dir, file);
  if (!entry) throw new CorruptCheckpointError(path.join(dir, CHECKPOINT_FILES.index), `no entry for ${file}`);
  if (!fs.existsSync(full)) throw new CorruptCheckpointError(full, 'file is missing');
  const buf = fs.readFileSync(full);
  if (buf.byteLength !== entry.bytes) {
    throw new CorruptCheckpointError(full, `size is ${buf.byteLength} bytes, the index says ${entry.bytes} (truncated?)`);
  }
  if (sha256(buf) !== entry.sha256) throw new CorruptCheckpointError(full, 'sha256 checksum does not match the index');
  return buf;
}

function floatsAt(buf: Buffer, offset: number, bytes: number, file: string): Float32Array {
  if (offset + bytes > buf.byteLength || bytes % 4 !== 0) throw new CorruptCheckpointError(file, `tensor at byte ${offset} runs past the end`);
  const copy = new Uint8Array(bytes);
  copy.set(buf.subarray(offset, offset + bytes));
  return new Float32Array(copy.buffer);
}

/** Reads and verifies a checkpoint folder. Throws CorruptCheckpointError naming the bad file. */
export function loadCheckpoint(dir: string): CheckpointContent {
  const indexFile = path.join(dir, CHECKPOINT_FILES.index);
  if (!fs.existsSync(indexFile)) {
    throw new Error(`${dir} is not a checkpoint folder (no ${CHECKPOINT_FILES.index}). Pass a run directory or a checkpoints/step-N folder.`);
  }
  let index: CheckpointIndex;
  try {
    index = JSON.parse(fs.readFileSync(indexFile, 'utf8')) as CheckpointIndex;
  } catch (e) {
    throw new CorruptCheckpointError(indexFile, `not valid JSON (${(e as Error).message})`);
  }
  if (index.format !== CHECKPOINT_FORMAT || index.version !== CHECKPOINT_VERSION) {
    throw new CorruptCheckpointError(indexFile, `format '${index.format}' v${index.version} is not ${CHECKPOINT_FORMAT} v${CHECKPOINT_VERSION}`);
  }
  const weightsFile = path.join(dir, CHECKPOINT_FILES.weights);
  const wbuf = readVerified(dir, CHECKPOINT_FILES.weights, index.files[CHECKPOINT_FILES.weights]);
  const weights = new Map<string, HostTensor>();
  for (const t of index.tensors) {
    const data = floatsAt(wbuf, t.offset, t.bytes, weightsFile);
    if (data.length !== t.shape.reduce((a, b) => a * b, 1)) throw new CorruptCheckpointError(weightsFile, `tensor '${t.name}' size does not match shape [${t.shape}]`);
    weights.set(t.name, { shape: t.shape, data });
  }
  let optimizer: OptimizerState | undefined;
  if (index.optimizer) {
    const optFile = path.join(dir, CHECKPOINT_FILES.optimizer);
    const obuf = index.optimizer.slots.length || index.files[CHECKPOINT_FILES.optimizer]
      ? readVerified(dir, CHECKPOINT_FILES.optimizer, index.files[CHECKPOINT_FILES.optimizer]) : Buffer.alloc(0);
    optimizer = {
      kind: index.optimizer.kind, step: index.optimizer.step,
      slots: index.optimizer.slots.map((s) => ({
        name: s.name, shape: s.shape,
        m: floatsAt(obuf, s.offset, s.bytes, optFile),
        v: floatsAt(obuf, s.offset + s.bytes, s.bytes, optFile),
      })),
    };
  }
  const tokBuf = readVerified(dir, CHECKPOINT_FILES.tokenizer, index.files[CHECKPOINT_FILES.tokenizer]);
  return {
    step: index.step, epoch: index.epoch, positionInEpoch: index.position_in_epoch,
    weights, optimizer, rng: index.rng ?? {}, tokenizer: JSON.parse(tokBuf.toString('utf8')), meta: index.meta ?? {},
  };
}

/** Reads only the index (no checksums): step and meta, for listings. */
export function readCheckpointIndex(dir: string): { step: number; epoch: number; meta: Record<string, unknown> } {
  const index = JSON.parse(fs.readFileSync(path.join(dir, CHECKPOINT_FILES.index), 'utf8')) as CheckpointIndex;
  return { step: index.step, epoch: index.epoch, meta: index.meta ?? {} };
}
