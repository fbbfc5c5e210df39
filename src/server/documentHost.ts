// The validator reads files through a host. This one prefers the editor's open
// documents over the disk, so an unsaved edit to a base file is honoured by every
// file that `extends` it.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TextDocuments } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { ValidatorHost } from '../core/validator';
import { readExperimentFromDisk } from '../core/validate/host';

/** Absolute file path of a document URI; untitled documents get a stable fake path in the cwd. */
export function uriToPath(uri: string): string {
  if (uri.startsWith('file:')) {
    try { return path.normalize(fileURLToPath(uri)); } catch { /* fall through */ }
  }
  return path.resolve(uri.replace(/[^A-Za-z0-9._-]+/g, '_'));
}

export function pathToUri(file: string): string {
  return pathToFileURL(file).toString();
}

export function openDocumentByPath(documents: TextDocuments<TextDocument>, file: string): TextDocument | undefined {
  const wanted = path.normalize(file);
  return documents.all().find((d) => uriToPath(d.uri) === wanted);
}

/** `workspaceFolders`: the folders the editor opened (the workspace root of confine.ts). */
export function editorValidatorHost(documents: TextDocuments<TextDocument>, workspaceFolders: () => string[] = () => []): ValidatorHost {
  return {
    readFile(file: string) {
      const open = openDocumentByPath(documents, file);
      if (open) return open.getText();
      return readExperimentFromDisk(file);   // bounded, regular files only: never blocks on a device or FIFO
    },
    workspaceFolders,
    fileExists(file: string): boolean {
      if (openDocumentByPath(documents, file)) return true;
      try { return fs.existsSync(file); } catch { return false; }
    },
  };
}
