// The folders an experiment may point into besides its own project: the editor's
// workspace folders and `latentLab.allowedPaths` (machine-scoped: a workspace's own
// settings cannot widen it). applyAllowedFolders keeps them in this process's
// LATENT_LAB_ALLOW_PATHS (src/core/validate/confine.ts), which the language server and
// every engine or CLI process inherit with the rest of process.env.
import * as vscode from 'vscode';
import { ALLOW_PATHS_ENV, allowPathsValue } from '../core/allowPathsEnv';

function allowedFolders(): string[] {
  const configured = vscode.workspace.getConfiguration('latentLab').get<string[]>('allowedPaths', []);
  const workspace = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
  return [...workspace, ...(Array.isArray(configured) ? configured.filter((p) => typeof p === 'string') : [])];
}

const inherited = process.env[ALLOW_PATHS_ENV] ?? '';

/**
 * Makes the extension host's own validation (the Runs view, Train's pre-check), the
 * language server and every engine or CLI child confine alike: LATENT_LAB_ALLOW_PATHS in this process is
 * what it inherited plus allowedFolders(), kept current as the setting or the folders change.
 */
export function applyAllowedFolders(): vscode.Disposable {
  const apply = () => {
    const value = allowPathsValue({ [ALLOW_PATHS_ENV]: inherited }, allowedFolders());
    if (value) process.env[ALLOW_PATHS_ENV] = value;
    else delete process.env[ALLOW_PATHS_ENV];
  };
  apply();
  return vscode.Disposable.from(
    vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('latentLab.allowedPaths')) apply(); }),
    vscode.workspace.onDidChangeWorkspaceFolders(apply),
  );
}
