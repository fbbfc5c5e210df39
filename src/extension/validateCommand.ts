// `latentLab.validateFile`: validate the active (or given) experiment file now, without
// waiting for the debounce, and report the count. The language server does the work,
// with the same validator as diagnostics, the CLI and the engine.

import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { VALIDATE_REQUEST, type ValidateParams, type ValidateSummary } from '../core/lspProtocol';
import { LANGUAGE_ID } from './languageId';

/** `client` starts the language server if it is not running yet (it starts with the first experiment file). */
export function registerValidateCommand(context: vscode.ExtensionContext, client: () => Promise<LanguageClient | undefined>): void {
  context.subscriptions.push(vscode.commands.registerCommand('latentLab.validateFile', async (arg?: vscode.Uri) => {
    const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
    if (!uri) {
      void vscode.window.showWarningMessage('Latent Lab: open an *.experiment.yaml file to validate it.');
      return undefined;
    }
    let doc = await vscode.workspace.openTextDocument(uri);
    if (doc.languageId !== LANGUAGE_ID) doc = await vscode.languages.setTextDocumentLanguage(doc, LANGUAGE_ID);
    const c = await client();
    if (!c) {
      void vscode.window.showErrorMessage('Latent Lab: the language server is not running (see the "Latent Lab Experiments" output).');
      return undefined;
    }
    const params: ValidateParams = { uri: c.code2ProtocolConverter.asUri(doc.uri) };
    const summary = await c.sendRequest<ValidateSummary | null>(VALIDATE_REQUEST, params);
    const name = vscode.workspace.asRelativePath(doc.uri);
    if (!summary) void vscode.window.showErrorMessage(`Latent Lab: could not validate ${name}.`);
    else if (summary.errors + summary.warnings === 0) void vscode.window.showInformationMessage(`Latent Lab: ${name} is valid.`);
    else void vscode.window.showWarningMessage(`Latent Lab: ${name}: ${summary.errors} error(s), ${summary.warnings} warning(s); see the Problems panel.`);
    return summary ?? undefined;
  }));
}
