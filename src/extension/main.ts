// Extension entry point: wires the parts together and does nothing else.
// Kept light on purpose: no tfjs (training runs in a child process), no engine imports.

import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { registerCodeLens } from './codeLens';
import { registerRunCommands } from './commands/index';
import { LANGUAGE_ID, startLanguageClient } from './languageClient';
import { DashboardPanel } from './panels/dashboardPanel';
import { registerSerializers } from './panels/serializers';
import { RunService } from './runs/runService';
import { createRunStatusBar } from './statusBar';
import { registerValidateCommand } from './validateCommand';
import { RunsTreeProvider } from './views/runsTree';

let client: LanguageClient | undefined;

/** What activate returns: for the in-editor tests (and other extensions). */
export interface LatentLabApi { runs: RunService; tree: RunsTreeProvider; dashboards: typeof DashboardPanel.open }

export async function activate(context: vscode.ExtensionContext): Promise<LatentLabApi> {
  registerValidateCommand(context, () => client);
  const runs = new RunService(context);
  const tree = new RunsTreeProvider(runs.onDidChange);
  runs.onRunDir = (dir) => DashboardPanel.show(context.extensionUri, dir, true);
  context.subscriptions.push(runs, tree,
    vscode.window.registerTreeDataProvider('latentLab.runs', tree),
    createRunStatusBar(runs.manager, 'latentLab.showLog'));
  registerRunCommands(context, runs, () => tree.refresh());
  registerSerializers(context);
  registerCodeLens(context, LANGUAGE_ID);
  runs.reattach().catch((err: unknown) => runs.output.appendLine(`reattach failed: ${String(err)}`));
  client = await startLanguageClient(context);
  return { runs, tree, dashboards: DashboardPanel.open };
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
