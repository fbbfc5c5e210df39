// "Submit Sweep": hands the experiment's sweep to the cluster scheduler named by
// `latentLab.submit.target`, by running `latent-lab submit` (dist/cli.js) in a child
// process. SLURM: the job id and sweep folder come back, and the runs appear in the
// Runs view as the array tasks write them. Kubernetes / Ray: the manifest or submit
// lines open in an editor to review and apply by hand.

import { spawn } from 'node:child_process';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LaunchSpec } from '../runs/launch';
import type { RunService } from '../runs/runService';
import { parseSubmitted, submitArgs, submitTarget } from '../runs/submitLaunch';
import { SweepWatch } from '../runs/sweepWatch';
import { runsFolderSetting } from '../runs/workspaceRuns';
import { requireTrust } from '../trust';
import { experimentFromArg } from './pickers';

interface CliAnswer { code: number | null; stdout: string; stderr: string }

export function registerSubmitSweepCommand(context: vscode.ExtensionContext, service: RunService, refreshView: () => void): void {
  context.subscriptions.push(vscode.commands.registerCommand('latentLab.submitSweep', async (arg) => {
    if (!requireTrust('submit a sweep')) return undefined;
    const uri = await experimentFromArg(arg);
    if (!uri) return undefined;
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === uri.fsPath);
    if (doc?.isDirty) await doc.save();
    const target = submitTarget(vscode.workspace.getConfiguration('latentLab').get('submit.target'));
    const args = submitArgs(uri.fsPath, target, runsFolderSetting());
    const answer = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Latent Lab: submitting to ${target}…` },
      () => runCli(service.launchSpec('cli'), args, path.dirname(uri.fsPath)));
    service.output.appendLine(`latent-lab ${args.join(' ')}`);
    service.output.append(answer.stdout + answer.stderr);
    if (answer.code !== 0) {
      const first = answer.stderr.split('\n').find((l) => l.trim()) ?? `exit ${answer.code}`;
      void vscode.window.showErrorMessage(`Latent Lab: submit failed: ${first.replace(/^latent-lab: /, '')}`, 'Show Log')
        .then((pick) => { if (pick) service.output.show(true); });
      return undefined;
    }
    if (target !== 'slurm') {
      const shown = await vscode.workspace.openTextDocument({ content: answer.stdout, language: target === 'k8s' ? 'yaml' : 'shellscript' });
      await vscode.window.showTextDocument(shown);
      return shown;
    }
    const submitted = parseSubmitted(answer.stdout);
    refreshView();
    if (submitted) context.subscriptions.push(new SweepWatch(submitted.sweepDir, refreshView));
    void vscode.window.showInformationMessage(`Latent Lab: submitted SLURM job ${submitted?.jobId ?? '?'}; its runs appear in the Runs view as they start (${vscode.workspace.asRelativePath(submitted?.sweepDir ?? '')}).`);
    return submitted;
  }));
}

// The CLI starts as the engine does (RunService.launchSpec: the same Node and environment).
function runCli(spec: LaunchSpec, args: string[], cwd: string): Promise<CliAnswer> {
  return new Promise((resolve) => {
    const child = spawn(spec.options.execPath!, [...(spec.options.execArgv ?? []), spec.modulePath, ...args], { cwd, env: spec.options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', (err) => resolve({ code: -1, stdout, stderr: stderr + `latent-lab: could not start ${spec.options.execPath}: ${err.message}\n` }));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
