// Extension entry point: wires the parts together and does nothing else.
// Kept light on purpose: no tfjs (training runs in a child process), no engine imports.

import type * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { startLanguageClient } from './languageClient';
import { registerValidateCommand } from './validateCommand';

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  registerValidateCommand(context, () => client);
  client = await startLanguageClient(context);
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
