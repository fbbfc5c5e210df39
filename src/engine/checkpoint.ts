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
// a whole checkpoint or none, and a checksum mismatch means corruption or an edit:
// the index itself is covered by its own checksum (checkpointIndex.ts). A full disk
// leaves no temp folder; temp folders of writers that died go at the next save.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { DiskFullError, freeBytes, isDiskFull, writeAllSynced, writeFileAtomic } from '../core/atomicWrite';
import { READ_LIMITS, readBounded } from '../core/boundedRead';
import { isProcessAlive } from '../core/processAlive';
import { CHECKPOINT_FILES, RUN_FILES, checkpointFolderName } from '../core/runLayout';
import { sealIndex, sha256, verifyIndex, type CheckpointIndex, type FileEntry, type SlotEntry, type TensorEntry } from './checkpointIndex';
import type { OptimizerState } from './optimizer';

import { CHECKPOINT_FORMAT } from './checkpointIndex';

export { CHECKPOINT_FORMAT, CHECKPOINT_VERSION } from './checkpointIndex';

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
  /** false for a format-1 index, written before the index had its own checksum. */
  indexVerified?: boolean;
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

function writeFileSynced(file: string, data: string | Uint8Array): FileEntry {
  const fd = fs.openSync(file, 'w');
  try { writeAllSynced(fd, data, file); } finally { fs.closeSync(fd); }
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return { bytes: buf.byteLength, sha256: sha256(buf) };
}

function bytesOf(a: Float32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** `.tmp-step-N-<pid>` and `.old-step-N-<pid>` folders of writers that are no longer running. */
function removeOrphanFolders(checkpointsDir: string): void {
  let names: string[];
  try { names = fs.readdirSync(checkpointsDir); } catch { return; }
  for (const name of names) {
    const m = /^\.(?:tmp|old)-.+-(\d+)$/.exec(name);
    if (m && Number(m[1]) !== process.pid && !isProcessAlive(Number(m[1]))) fs.rmSync(path.join(checkpointsDir, name), { recursive: true, force: true });
  }
}

// ---- save -----------------------------------------------------------------

/** Writes `<checkpointsDir>/step-N/` atomically and points `latest` at it. Returns the folder. */
export function saveCheckpoint(checkpointsDir: string, c: CheckpointContent): string {
  fs.mkdirSync(checkpointsDir, { recursive: true });
  removeOrphanFolders(checkpointsDir);
  const name = checkpointFolderName(c.step);
  const tmp = path.join(checkpointsDir, `.tmp-${name}-${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  // Refuse up front what cannot fit, so a full disk leaves no partial folder to clean.
  const needed = [...c.weights.values()].reduce((a, t) => a + t.data.byteLength, 0) * (c.optimizer ? 3 : 1);
  const free = freeBytes(checkpointsDir);
  if (free !== undefined && free < needed) throw new DiskFullError(path.join(checkpointsDir, name), needed, free);
  fs.mkdirSync(tmp);
  try {
    return writeCheckpointFolder(checkpointsDir, tmp, name, c);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    // Name the checkpoint folder, not the temp file that was being written.
    throw isDiskFull(err) || err instanceof DiskFullError ? new DiskFullError(path.join(checkpointsDir, name), needed, freeBytes(checkpointsDir)) : err;
  }
}

function writeCheckpointFolder(checkpointsDir: string, tmp: string, name: string, c: CheckpointContent): string {
  const final = path.join(checkpointsDir, name);

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

  const index: Omit<CheckpointIndex, 'index_sha256' | 'version'> = {
    format: CHECKPOINT_FORMAT, created: new Date().toISOString(),
    step: c.step, epoch: c.epoch, position_in_epoch: c.positionInEpoch,
    files, tensors, optimizer, rng: c.rng, meta: c.meta,
  };
  writeFileSynced(path.join(tmp, CHECKPOINT_FILES.index), sealIndex(index));
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
  // Never more than the index says (plus one byte, to tell a longer file): a huge or endless file is not read.
  let buf: Buffer;
  try { buf = readBounded(full, Math.min(entry.bytes + 1, READ_LIMITS.tensors), 'checkpoint file'); } catch (err) {
    throw new CorruptCheckpointError(full, (err as Error).message.replace(`${full}: `, ''));
  }
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
  const { index, verified } = readIndex(indexFile);
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
    weights, optimizer, rng: index.rng ?? {}, tokenizer: parseTokenizer(tokBuf, path.join(dir, CHECKPOINT_FILES.tokenizer)), meta: index.meta ?? {},
    indexVerified: verified,
  };
}

function readIndex(indexFile: string): { index: CheckpointIndex; verified: boolean } {
  let text: string;
  try { text = readBounded(indexFile, READ_LIMITS.runJson, 'checkpoint index').toString('utf8'); } catch (err) {
    throw new CorruptCheckpointError(indexFile, (err as Error).message.replace(`${indexFile}: `, ''));
  }
  return verifyIndex(text, (detail) => new CorruptCheckpointError(indexFile, detail));
}

function parseTokenizer(buf: Buffer, file: string): unknown {
  try { return JSON.parse(buf.toString('utf8')); } catch { throw new CorruptCheckpointError(file, 'not valid JSON'); }
}

/** Reads only the index (its own checksum, not the data files'): step and meta, for listings. */
export function readCheckpointIndex(dir: string): { step: number; epoch: number; meta: Record<string, unknown> } {
  const { index } = readIndex(path.join(dir, CHECKPOINT_FILES.index));
  return { step: index.step, epoch: index.epoch, meta: index.meta ?? {} };
}
