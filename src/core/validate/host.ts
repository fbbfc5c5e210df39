// How the validator reads files: node fs by default; the language server passes
// a host that also sees unsaved editor buffers.
import * as fs from 'node:fs';

export interface ValidatorHost {
  readFile(path: string): string | undefined;
  fileExists(path: string): boolean;
}

export const nodeHost: ValidatorHost = {
  readFile(p) {
    try {
      return fs.readFileSync(p, 'utf8');
    } catch {
      return undefined;   // missing, a folder, or unreadable: the caller reports it
    }
  },
  fileExists(p) {
    return fs.existsSync(p);
  },
};
