// Extension entry point: wires the parts together and does nothing else.
// Kept light on purpose: no tfjs (training runs in a child process), no engine imports,
// and the heavy parts (language client, validator) load on first use from their own
// bundles (lazy.ts), so activation only registers things.

import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { applyAllowedFolders } from './allowedPaths';
import { registerCodeLens } from './codeLens';
import { registerRunCommands } from './commands/index';
import { registerSubmitSweepCommand } from './commands/submitSweep';
import { languageClientModule } from './lazy';
import { LANGUAGE_ID } from './languageId';
import { DashboardPanel } from './panels/dashboardPanel';
import { registerSerializers } from './panels/serializers';
import { RunService } from './runs/runService';
import { createRunStatusBar } from './statusBar';
import { registerValidateCommand } from './validateCommand';
import { RunsTreeProvider } from './views/runsTree';
import { sweepOf } from '../core/runLabels';

let client: LanguageClient | undefined;
let clientStart: Promise<LanguageClient | undefined> | undefined;

/** What activate returns: for the in-editor tests (and other extensions). */
export interface LatentLabApi { runs: RunService; tree: RunsTreeProvider; dashboards: typeof DashboardPanel.open }

export async function activate(context: vscode.ExtensionContext): Promise<LatentLabApi> {
  context.subscriptions.push(applyAllowedFolders());   // before anything validates
  const runs = new RunService(context);
  // The language server starts once: with the first experiment file open (or the validate command).
  const startClient = (): Promise<LanguageClient | undefined> => {
    clientStart ??= Promise.resolve()
      .then(() => languageClientModule().startLanguageClient(context))
      .then((c) => (client = c), (err: unknown) => {
        runs.output.appendLine(`language server failed to start: ${String(err)}`);
        return undefined;
      });
    return clientStart;
  };
  registerValidateCommand(context, startClient);
  const tree = new RunsTreeProvider(runs.onDidChange);
  runs.onRunDir = (dir) => {
    // One dashboard per sweep: the next run of a sweep takes the place of the previous one's.
    const sweep = sweepOf(dir);
    if (sweep) for (const [d, p] of DashboardPanel.open) if (d !== dir && sweepOf(d) === sweep) p.panel.dispose();
    DashboardPanel.show(context.extensionUri, dir, true);
  };
  context.subscriptions.push(runs, tree,
    vscode.window.registerTreeDataProvider('latentLab.runs', tree),
    createRunStatusBar(runs.manager, 'latentLab.showLog'));
  registerRunCommands(context, runs, () => tree.refresh());
  registerSubmitSweepCommand(context, runs, () => tree.refresh());
  registerSerializers(context);
  registerCodeLens(context, LANGUAGE_ID);
  runs.reattach().catch((err: unknown) => runs.output.appendLine(`reattach failed: ${String(err)}`));
  const isExperiment = (d: vscode.TextDocument) => d.languageId === LANGUAGE_ID;
  if (vscode.workspace.textDocuments.some(isExperiment)) {
    setImmediate(() => void startClient());   // right after activation returns
  } else {
    const opened = vscode.workspace.onDidOpenTextDocument((d) => {
      if (!isExperiment(d)) return;
      opened.dispose();
      void startClient();
    });
    context.subscriptions.push(opened);
  }
  return { runs, tree, dashboards: DashboardPanel.open };
}

export async function deactivate(): Promise<void> {
  await clientStart;
  await client?.stop();
  client = undefined;
  clientStart = undefined;
}
