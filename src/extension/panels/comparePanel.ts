// Compare runs: their final metrics side by side (mean ± std over seeds, computed
// in the webview) and their curves overlaid. Runs are grouped by configuration
// label: a sweep's sub-run folder name without its seed part.

import * as fs from 'node:fs';
import * as vscode from 'vscode';
import * as path from 'node:path';
import { compareCsv } from '../../core/compareStats';
import { readCompareRun, runLabel, uniqueRunDirs } from '../../core/runLabels';
import { DashboardPanel } from './dashboardPanel';
import { panelHtml, webviewOptions } from './html';
import { parseCompareMessage } from './messages';

export class ComparePanel {
  static readonly viewType = 'latentLab.compare';

  static show(extensionUri: vscode.Uri, picked: string[]): ComparePanel {
    const runDirs = uniqueRunDirs(picked);   // a run picked twice (or by two paths) is one run, not two seeds
    const panel = vscode.window.createWebviewPanel(ComparePanel.viewType, `Compare ${runDirs.length} runs`, vscode.ViewColumn.Active, webviewOptions(extensionUri));
    return new ComparePanel(panel, extensionUri, runDirs);
  }

  readonly runDirs: string[];

  constructor(readonly panel: vscode.WebviewPanel, extensionUri: vscode.Uri, runDirs: string[]) {
    this.runDirs = runDirs = uniqueRunDirs(runDirs);
    panel.webview.options = webviewOptions(extensionUri);
    panel.webview.html = panelHtml(panel.webview, extensionUri, 'compare', panel.title);
    const runs = () => runDirs.filter((d) => fs.existsSync(d)).map(readCompareRun);   // the same reading as `latent-lab compare`
    panel.webview.onDidReceiveMessage((raw: unknown) => {
      const m = parseCompareMessage(raw);
      if (m?.type === 'ready') void panel.webview.postMessage({ type: 'init', runs: runs() });
      if (m?.type === 'exportCsv') void exportCsv(runs());
      if (m?.type === 'openRun') {
        const dir = runDirs.find((d) => runLabel(d).name === m.name);
        if (dir) DashboardPanel.show(extensionUri, dir);
      }
    });
  }
}

async function exportCsv(runs: ReturnType<typeof readCompareRun>[]): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd();
  const target = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(path.join(folder, 'compare-runs.csv')), filters: { CSV: ['csv'] } });
  if (!target) return;
  await vscode.workspace.fs.writeFile(target, Buffer.from(compareCsv(runs), 'utf8'));
  void vscode.window.showInformationMessage(`Latent Lab: saved ${vscode.workspace.asRelativePath(target)}`);
}
