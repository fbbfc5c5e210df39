// The folders an experiment may point into besides its own project: the editor's
// workspace folders and `latentLab.allowedPaths` (machine-scoped: a workspace's own
// settings cannot widen it). Passed to the language server and every engine or CLI
// process as LATENT_LAB_ALLOW_PATHS (src/core/validate/confine.ts).
import * as vscode from 'vscode';

export function allowedFolders(): string[] {
  const configured = vscode.workspace.getConfiguration('latentLab').get<string[]>('allowedPaths', []);
  const workspace = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
  return [...workspace, ...(Array.isArray(configured) ? configured.filter((p) => typeof p === 'string') : [])];
}
