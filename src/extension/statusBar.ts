// One status bar item: the running runs (step/total of the first) and how many wait.
// Clicking it shows the "Latent Lab" output.

import * as vscode from 'vscode';
import type { RunManager } from './runs/runManager';

export function createRunStatusBar(manager: RunManager, showLogCommand: string): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('latentLab.runs', vscode.StatusBarAlignment.Left, 50);
  item.name = 'Latent Lab runs';
  item.command = showLogCommand;
  const update = () => {
    const active = manager.active();
    const queued = manager.queued().length;
    if (active.length === 0 && queued === 0) { item.hide(); return; }
    const first = active[0];
    const pct = first && first.totalSteps ? ` ${first.step}/${first.totalSteps}` : '';
    item.text = `$(beaker~spin) ${first ? first.label : 'Latent Lab'}${pct}${active.length > 1 ? ` +${active.length - 1}` : ''}${queued ? ` (${queued} queued)` : ''}`;
    item.tooltip = [...active.map((r) => `${r.label}: step ${r.step}/${r.totalSteps || '?'}`), ...(queued ? [`${queued} queued`] : [])].join('\n');
    item.show();
  };
  manager.onChange(update);
  update();
  return item;
}
