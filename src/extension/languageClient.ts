// Starts dist/server.js over IPC for `latent-experiment` documents.
// Bundled on its own (dist/extension-lsp.js) and loaded on first use (lazy.ts).

import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import type { ServerSettings } from '../core/lspProtocol';
import { LANGUAGE_ID } from './languageId';

export { LANGUAGE_ID };

function currentSettings(): ServerSettings {
  const cfg = vscode.workspace.getConfiguration('latentLab');
  return { validation: { debounceMs: cfg.get<number>('validation.debounceMs', 200) }, allowedPaths: cfg.get<string[]>('allowedPaths', []) };
}

export async function startLanguageClient(context: vscode.ExtensionContext): Promise<LanguageClient> {
  const module = context.asAbsolutePath('dist/server.js');
  // latentLab.allowedPaths reaches the server as a setting (at start and on every change, so
  // the server re-checks open files without a reload); the environment it inherits still
  // carries LATENT_LAB_ALLOW_PATHS from outside the editor.
  const env = { ...process.env };
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc, options: { env } },
    debug: { module, transport: TransportKind.ipc, options: { env, execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ language: LANGUAGE_ID, scheme: 'file' }, { language: LANGUAGE_ID, scheme: 'untitled' }],
    initializationOptions: currentSettings(),
    // Pushes `latentLab.*` settings to the server (didChangeConfiguration) when they change.
    synchronize: { configurationSection: 'latentLab' },
  };
  const client = new LanguageClient('latentLab', 'Latent Lab Experiments', serverOptions, clientOptions);
  await client.start();
  return client;
}
