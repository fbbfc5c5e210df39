// Every file the project reads goes through here: opened without blocking, checked
// to be a regular file on the open descriptor (so /dev/zero, a FIFO or a folder is
// refused before a byte is read, and a swap between check and read is impossible),
// and read up to a limit (a /proc file reports size 0, so the limit is enforced on
// the bytes actually read, not on the size fstat reports).
import * as fs from 'node:fs';

const MiB = 1024 * 1024;

/** Size limits per kind of file; past one, the read fails naming the file and the limit. */
export const READ_LIMITS = {
  experiment: 2 * MiB,        // an experiment YAML file (and every base it extends)
  jsonl: 256 * MiB,           // one JSONL data file
  image: 32 * MiB,            // one PNG/JPEG
  runJson: 16 * MiB,          // config.json, summary.json, checkpoint.json, tokenizer.json, pid file, latest
  metrics: 256 * MiB,         // metrics.jsonl, train.log
  tensors: 4096 * MiB,        // weights.bin, optimizer.bin
  capture: 1024 * MiB,        // one .llcap attention capture
} as const;

export type ReadFailureReason = 'missing' | 'not-regular' | 'too-large' | 'io';

/** A file that was not read, with a message naming the file and what to do. */
export class FileReadError extends Error {
  constructor(readonly file: string, readonly reason: ReadFailureReason, detail: string) {
    super(`${file}: ${detail}`);
    this.name = 'FileReadError';
  }
}

function formatBytes(n: number): string {
  return n >= MiB ? `${Math.round(n / MiB)} MiB` : `${n} bytes`;
}

// O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting forever.
const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);

/** The bytes of `file`, at most `limit` of them; throws FileReadError otherwise. `what` names the file's role. */
export function readBounded(file: string, limit: number, what = 'file'): Buffer {
  let fd: number;
  try {
    fd = fs.openSync(file, OPEN_FLAGS);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new FileReadError(file, 'missing', `${what} does not exist`);
    if (code === 'EISDIR') throw new FileReadError(file, 'not-regular', `${what} is a folder, not a file`);
    throw new FileReadError(file, 'io', `cannot open the ${what} (${code ?? (err as Error).message})`);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) {
      const kind = stat.isDirectory() ? 'a folder' : stat.isFIFO() ? 'a pipe (FIFO)' : stat.isCharacterDevice() || stat.isBlockDevice() ? 'a device' : stat.isSocket() ? 'a socket' : 'not a regular file';
      throw new FileReadError(file, 'not-regular', `the ${what} is ${kind}, not a regular file: point it at a file`);
    }
    if (stat.size > limit) throw tooLarge(file, what, limit, stat.size);
    return readUpTo(fd, file, what, limit, stat.size);
  } finally {
    fs.closeSync(fd);
  }
}

/** readBounded decoded as UTF-8. */
export function readTextBounded(file: string, limit: number, what = 'file'): string {
  return readBounded(file, limit, what).toString('utf8');
}

function tooLarge(file: string, what: string, limit: number, size?: number): FileReadError {
  const got = size !== undefined ? ` (${formatBytes(size)})` : '';
  return new FileReadError(file, 'too-large', `the ${what} is larger than the ${formatBytes(limit)} limit${got}: use a smaller file, or split it`);
}

function readUpTo(fd: number, file: string, what: string, limit: number, sizeHint: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  const chunkSize = Math.max(64 * 1024, Math.min(sizeHint + 1, limit + 1, 64 * MiB));
  for (;;) {
    const buf = Buffer.allocUnsafe(Math.min(chunkSize, limit + 1 - total));
    let n: number;
    try {
      n = fs.readSync(fd, buf, 0, buf.length, null);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new FileReadError(file, 'io', `cannot read the ${what} (${code ?? (err as Error).message})`);
    }
    if (n === 0) break;
    total += n;
    if (total > limit) throw tooLarge(file, what, limit);
    chunks.push(n === buf.length ? buf : buf.subarray(0, n));
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
}

