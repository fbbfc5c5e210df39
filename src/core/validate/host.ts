// How the validator reads files: node fs by default (bounded, regular files only);
// the language server passes a host that also sees unsaved editor buffers and
// names the editor's workspace folders.
import * as fs from 'node:fs';
import { FileReadError, READ_LIMITS, readTextBounded } from '../boundedRead';

/** A file that exists but was not read; `error` names the file, why and what to do. */
export interface ReadFailure { error: string }

export interface ValidatorHost {
  /** The text, undefined for a missing file, or why it was refused (a device, a FIFO, too large). */
  readFile(path: string): string | undefined | ReadFailure;
  fileExists(path: string): boolean;
  /** Folders the user opened (the editor's workspace folders): paths may point into them too (validate/confine.ts). */
  workspaceFolders?(): string[];
}

export function isReadFailure(r: string | undefined | ReadFailure): r is ReadFailure {
  return typeof r === 'object' && r !== null;
}

/** Reads an experiment file from disk through the one bounded reader. */
export function readExperimentFromDisk(p: string): string | undefined | ReadFailure {
  try {
    return readTextBounded(p, READ_LIMITS.experiment, 'experiment file');
  } catch (err) {
    if (err instanceof FileReadError && err.reason === 'missing') return undefined;
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

export const nodeHost: ValidatorHost = {
  readFile: readExperimentFromDisk,
  fileExists(p) {
    return fs.existsSync(p);
  },
};
