// "Train · Submit Sweep · Evaluate" at the top of an experiment file.

import * as vscode from 'vscode';

export class ExperimentCodeLens implements vscode.CodeLensProvider {
  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const top = new vscode.Range(0, 0, 0, 0);
    return [
      new vscode.CodeLens(top, { title: '$(play) Train', command: 'latentLab.train', arguments: [doc.uri], tooltip: 'Validate, then train this experiment in a child process' }),
      new vscode.CodeLens(top, { title: 'Submit Sweep', command: 'latentLab.submitSweep', arguments: [doc.uri], tooltip: 'Hand every configuration to the cluster scheduler of latentLab.submit.target (latent-lab submit)' }),
      new vscode.CodeLens(top, { title: 'Evaluate', command: 'latentLab.evaluate', arguments: [doc.uri], tooltip: 'Evaluate a checkpoint of one of its runs' }),
    ];
  }
}

export function registerCodeLens(context: vscode.ExtensionContext, languageId: string): void {
  context.subscriptions.push(vscode.languages.registerCodeLensProvider({ language: languageId }, new ExperimentCodeLens()));
}
