// THE atomic writer of the project (engine and extension): write a temp file in the
// same folder, fsync, rename over the target. A reader sees the old file or the new
// one, never half. A full disk is reported with the path and the space needed, and
// leaves no temp file behind; temp files of writers that died are removed by the
// next write to the same file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isProcessAlive } from './processAlive';

/** The disk (or quota) is full: names the file, the bytes it needed and the bytes free. */
export class DiskFullError extends Error {
  constructor(readonly file: string, readonly needed: number, readonly available: number | undefined) {
    super(`disk full: could not write ${file} (needs ${needed} bytes${available !== undefined ? `, ${available} free on that disk` : ''}): free some space there`);
    this.name = 'DiskFullError';
  }
}

const FULL = new Set(['ENOSPC', 'EDQUOT']);

export function isDiskFull(err: unknown): boolean {
  return FULL.has((err as NodeJS.ErrnoException)?.code ?? '');
}

/** Bytes free for this user on the disk holding `p` (undefined where statfs is unsupported). */
export function freeBytes(p: string): number | undefined {
  try {
    const s = fs.statfsSync(p);
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return undefined;
  }
}

/** `.<name>.<pid>.tmp`: the temp file of one writer of `file`. */
function tempName(file: string, pid: number): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${pid}.tmp`);
}

/** Removes temp files of `file` left by writers that are no longer running. */
function removeOrphanTemps(file: string): void {
  const prefix = `.${path.basename(file)}.`;
  let names: string[];
  try { names = fs.readdirSync(path.dirname(file)); } catch { return; }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const pid = Number(name.slice(prefix.length, -'.tmp'.length));
    if (Number.isInteger(pid) && pid !== process.pid && !isProcessAlive(pid)) fs.rmSync(path.join(path.dirname(file), name), { force: true });
  }
}

/** Writes `data` to an open descriptor and fsyncs it; ENOSPC becomes DiskFullError for `file`. */
export function writeAllSynced(fd: number, data: string | Uint8Array, file: string): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  try {
    let off = 0;
    while (off < bytes.byteLength) off += fs.writeSync(fd, bytes, off, bytes.byteLength - off);
    fs.fsyncSync(fd);
  } catch (err) {
    if (isDiskFull(err)) throw new DiskFullError(file, bytes.byteLength, freeBytes(path.dirname(file)));
    throw err;
  }
}

export interface AtomicWriteOptions {
  /**
   * When the disk is full, overwrite the existing file in place instead (no new
   * file, so usually no new blocks): for the one write that must land even then,
   * a run's final `failed` summary. The file may be torn if this also fails.
   */
  inPlaceWhenFull?: boolean;
}

/** Writes `file` via a temp file in the same folder, fsync and rename. */
export function writeFileAtomic(file: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): void {
  removeOrphanTemps(file);
  const tmp = tempName(file, process.pid);
  try {
    const fd = fs.openSync(tmp, 'w');
    try { writeAllSynced(fd, data, file); } finally { fs.closeSync(fd); }
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    const full = err instanceof DiskFullError ? err : isDiskFull(err) ? new DiskFullError(file, byteLength(data), freeBytes(path.dirname(file))) : undefined;
    if (full && opts.inPlaceWhenFull && fs.existsSync(file)) {
      writeInPlace(file, data);
      return;
    }
    throw full ?? err;
  }
}

function writeInPlace(file: string, data: string | Uint8Array): void {
  const fd = fs.openSync(file, 'r+');
  try {
    writeAllSynced(fd, data, file);
    fs.ftruncateSync(fd, byteLength(data));
  } finally {
    fs.closeSync(fd);
  }
}

function byteLength(data: string | Uint8Array): number {
  return typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.byteLength;
}
