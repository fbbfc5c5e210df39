// The folders an experiment may point into besides its own project: the editor's
// workspace folders and `latentLab.allowedPaths` (machine-scoped: a workspace's own
// settings cannot widen it). Passed to the language server and every engine or CLI
// process as LATENT_LAB_ALLOW_PATHS (src/core/validate/confine.ts).
import * as vscode from 'vscode';
import { allowPathsValue } from './runs/launch';

export function allowedFolders(): string[] {
  const configured = vscode.workspace.getConfiguration('latentLab').get<string[]>('allowedPaths', []);
  const workspace = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
  return [...workspace, ...(Array.isArray(configured) ? configured.filter((p) => typeof p === 'string') : [])];
}

const inherited = process.env.LATENT_LAB_ALLOW_PATHS ?? '';

/**
 * Makes the extension host's own validation (the Runs view, Train's pre-check) confine
 * like the language server and the engine: LATENT_LAB_ALLOW_PATHS in this process is
 * what it inherited plus allowedFolders(), kept current as the setting or the folders change.
 */
export function applyAllowedFolders(): vscode.Disposable {
  const apply = () => {
    const value = allowPathsValue({ LATENT_LAB_ALLOW_PATHS: inherited }, allowedFolders());
    if (value) process.env.LATENT_LAB_ALLOW_PATHS = value;
    else delete process.env.LATENT_LAB_ALLOW_PATHS;
  };
  apply();
  return vscode.Disposable.from(
    vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('latentLab.allowedPaths')) apply(); }),
    vscode.workspace.onDidChangeWorkspaceFolders(apply),
  );
}
