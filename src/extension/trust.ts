// Workspace Trust: in an untrusted workspace the language server still helps, but
// nothing trains, resumes or evaluates (an experiment can point at any data and
// checkpoint path and runs code in a child process).

import * as vscode from 'vscode';

/** True when running is allowed; otherwise tells the user why and offers to manage trust. */
export function requireTrust(action: string): boolean {
  if (vscode.workspace.isTrusted) return true;
  const manage = 'Manage Workspace Trust';
  void vscode.window.showErrorMessage(
    `Latent Lab: cannot ${action} in an untrusted workspace: training runs the engine as a child process and reads the data and checkpoint paths the experiment names. ` +
    'Trust this folder (command "Workspaces: Manage Workspace Trust") to run experiments; editing and validation keep working meanwhile.',
    manage,
  ).then((pick) => { if (pick === manage) void vscode.commands.executeCommand('workbench.trust.manage'); });
  return false;
}
