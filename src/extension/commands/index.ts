// Registers every run/panel command. Each resolves its argument (Uri, Runs-view
// node, path string, or a quick pick) and hands off to the run service or a panel.

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { findRunDirs } from '../../core/runLabels';
import type { RunService } from '../runs/runService';
import { AttentionPanel } from '../panels/attentionPanel';
import { ComparePanel } from '../panels/comparePanel';
import { DashboardPanel } from '../panels/dashboardPanel';
import { rememberSource } from '../panels/serializers';
import { validatorModule } from '../lazy';
import { allRuns, checkpointFromArg, experimentFromArg, isRunsNode, runDirFromArg } from './pickers';
import { READ_LIMITS, readTextBounded } from '../../core/boundedRead';

export function registerRunCommands(context: vscode.ExtensionContext, service: RunService, refreshView: () => void): void {
  const ext = context.extensionUri;
  const reg = (id: string, fn: (...args: unknown[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));

  reg('latentLab.train', async (arg, opts) => {
    const uri = await experimentFromArg(arg);
    return uri ? service.train(uri, (opts ?? {}) as { maxSteps?: number }) : undefined;
  });
  reg('latentLab.evaluate', async (arg) => {
    const ckpt = await checkpointFromArg(arg);
    return ckpt ? service.evaluate(ckpt) : undefined;
  });
  reg('latentLab.resume', async (arg) => {
    const dir = await runDirFromArg(arg, 'Run to resume', (r) => r.summary?.status === 'stopped' || r.summary?.status === 'failed');
    return dir ? service.resume(dir) : undefined;
  });
  reg('latentLab.stop', async (arg) => {
    const active = service.manager.active().concat(service.manager.queued());
    let run = typeof arg === 'string' ? service.manager.byRunDir(arg) : isRunsNode(arg) && arg.kind === 'run' ? service.manager.byRunDir(arg.dir) : undefined;
    if (!run && arg === undefined) {
      if (active.length === 1) run = active[0];
      else if (active.length > 1) run = (await vscode.window.showQuickPick(active.map((r) => ({ label: r.label, description: `${r.status} ${r.step}/${r.totalSteps}`, r })), { placeHolder: 'Run to stop' }))?.r;
    }
    if (!run) { void vscode.window.showInformationMessage('Latent Lab: no run of this window to stop.'); return false; }
    service.stop(run);
    return true;
  });
  reg('latentLab.openDashboard', async (arg) => {
    const dir = await runDirFromArg(arg, 'Run to show');
    return dir ? DashboardPanel.show(ext, dir) : undefined;
  });
  reg('latentLab.openAttentionViewer', async (arg) => {
    const source = arg instanceof vscode.Uri && arg.fsPath.endsWith('.llcap') ? arg.fsPath : await runDirFromArg(arg, 'Run whose attention to show');
    if (!source) return undefined;
    const panel = AttentionPanel.show(ext, source);
    rememberSource(context, panel.panel.title, source);
    return panel;
  });
  reg('latentLab.compareRuns', async (arg) => {
    let dirs: string[] | undefined;
    if (Array.isArray(arg) && arg.every((a) => typeof a === 'string')) dirs = arg as string[];
    else if (arg instanceof vscode.Uri) dirs = findRunDirs(arg.fsPath);   // a sweep folder
    else {
      const runs = await allRuns();
      const picks = await vscode.window.showQuickPick(runs.map((r) => ({ label: path.basename(r.dir), description: r.summary?.status, detail: r.dir, picked: false })), { canPickMany: true, placeHolder: 'Runs to compare (two or more)' });
      dirs = picks?.map((p) => p.detail);
    }
    if (!dirs || dirs.length === 0) return undefined;
    const panel = ComparePanel.show(ext, dirs);
    rememberSource(context, panel.panel.title, dirs);
    return panel;
  });
  reg('latentLab.newExperiment', async () => {
    const examples = path.join(context.extensionPath, 'examples');
    const templates = fs.readdirSync(examples).filter((f) => f.endsWith('.experiment.yaml') && !/^extends:/m.test(fs.readFileSync(path.join(examples, f), 'utf8')));
    const pick = await vscode.window.showQuickPick(templates.map((f) => ({ label: f.replace('.experiment.yaml', ''), description: firstComment(path.join(examples, f)), f })), { placeHolder: 'Template' });
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!pick || !folder) return undefined;
    const name = await vscode.window.showInputBox({ prompt: 'Experiment name', value: `my-${pick.label}`, validateInput: (v) => (/^[A-Za-z0-9._-]+$/.test(v) ? undefined : 'letters, digits, . _ - only') });
    if (!name) return undefined;
    const target = vscode.Uri.joinPath(folder.uri, `${name}.experiment.yaml`);
    if (fs.existsSync(target.fsPath)) { void vscode.window.showErrorMessage(`Latent Lab: ${vscode.workspace.asRelativePath(target)} exists already: choose another name.`); return undefined; }
    const templateFile = path.join(examples, pick.f);
    const text = validatorModule().experimentFromTemplate(readTextBounded(templateFile, READ_LIMITS.experiment, 'template'), templateFile, target.fsPath, name);
    await vscode.workspace.fs.writeFile(target, Buffer.from(text, 'utf8'));
    await vscode.window.showTextDocument(target);
    return target;
  });
  reg('latentLab.revealRun', (arg) => {
    if (isRunsNode(arg) && arg.kind === 'run') void vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(arg.dir));
  });
  reg('latentLab.deleteRun', async (arg, confirmed) => {
    const dir = typeof arg === 'string' ? arg : isRunsNode(arg) && arg.kind === 'run' ? arg.dir : undefined;
    if (!dir) return false;
    if (service.manager.byRunDir(dir)) { void vscode.window.showWarningMessage('Latent Lab: stop the run before deleting it.'); return false; }
    const ok = confirmed === true || (await vscode.window.showWarningMessage(`Delete the run ${path.basename(dir)} and all its checkpoints? This cannot be undone.`, { modal: true }, 'Delete')) === 'Delete';
    if (!ok) return false;
    DashboardPanel.open.get(dir)?.panel.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
    refreshView();
    return true;
  });
  reg('latentLab.showLog', () => service.output.show(true));
  reg('latentLab.refreshRuns', () => refreshView());
}

function firstComment(file: string): string {
  const m = /^# (?!yaml-language-server)(.+)$/m.exec(readTextBounded(file, READ_LIMITS.experiment, 'experiment file'));
  return m ? m[1] : '';
}
