// The attention viewer of a run (its captures/*.llcap, one per step) or of one
// capture file. Posts the bytes (base64) of the step asked for; saves the PNG/CSV
// exports the webview makes through a save dialog.

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { READ_LIMITS, readBounded } from '../../core/boundedRead';
import { CAPTURE_EXTENSION, RUN_FILES } from '../../core/runLayout';
import { panelHtml, webviewOptions } from './html';
import { parseAttentionMessage } from './messages';

export interface CaptureFile { step: number; file: string }

/** The capture files next to `source` (a run directory or an .llcap file), by step. */
export function captureFiles(source: string): CaptureFile[] {
  const dir = source.endsWith(CAPTURE_EXTENSION) ? path.dirname(source) : path.join(source, RUN_FILES.captures);
  let names: string[];
  try { names = fs.readdirSync(dir).filter((n) => n.endsWith(CAPTURE_EXTENSION)); } catch { names = []; }
  if (source.endsWith(CAPTURE_EXTENSION) && !names.includes(path.basename(source))) names.push(path.basename(source));
  return names.map((n, i) => ({ step: Number(/(\d+)\D*$/.exec(n.replace(/\.llcap$/, ''))?.[1] ?? i), file: path.join(dir, n) }))
    .sort((a, b) => a.step - b.step);
}

export class AttentionPanel {
  static readonly viewType = 'latentLab.attention';
  static readonly open = new Map<string, AttentionPanel>();

  static show(extensionUri: vscode.Uri, source: string): AttentionPanel {
    const existing = AttentionPanel.open.get(source);
    if (existing) { existing.panel.reveal(); return existing; }
    const panel = vscode.window.createWebviewPanel(AttentionPanel.viewType, titleOf(source), vscode.ViewColumn.Active, webviewOptions(extensionUri, runDirOf(source)));
    return new AttentionPanel(panel, extensionUri, source);
  }

  constructor(readonly panel: vscode.WebviewPanel, extensionUri: vscode.Uri, readonly source: string) {
    AttentionPanel.open.set(source, this);
    panel.webview.options = webviewOptions(extensionUri, runDirOf(source));
    panel.title = titleOf(source);
    panel.webview.html = panelHtml(panel.webview, extensionUri, 'attention', panel.title);
    panel.webview.onDidReceiveMessage((raw: unknown) => {
      const m = parseAttentionMessage(raw);
      if (!m) return;
      if (m.type === 'ready') this.post(undefined);
      else if (m.type === 'requestStep') this.post(m.step);
      else void this.save(m.kind, m.data, m.suggestedName);
    });
    panel.onDidDispose(() => { if (AttentionPanel.open.get(source) === this) AttentionPanel.open.delete(source); });
  }

  /** Posts the capture of `step` (default: the file opened, else the newest). */
  post(step: number | undefined): void {
    const files = captureFiles(this.source);
    if (files.length === 0) {
      void this.panel.webview.postMessage({ type: 'error', message: `no capture files (*.llcap) in ${path.join(this.source, RUN_FILES.captures)}: captures are written at evaluation when eval.capture.examples > 0` });
      return;
    }
    const chosen = files.find((f) => f.step === step)
      ?? (step === undefined && this.source.endsWith(CAPTURE_EXTENSION) ? files.find((f) => f.file === this.source) : undefined)
      ?? files[files.length - 1];
    let bytes: Buffer;
    try { bytes = readBounded(chosen.file, READ_LIMITS.capture, 'capture file'); } catch (err) {
      void this.panel.webview.postMessage({ type: 'error', message: `cannot read ${chosen.file}: ${(err as Error).message}` });
      return;
    }
    void this.panel.webview.postMessage({ type: 'capture', step: chosen.step, steps: files.map((f) => f.step), bytes: bytes.toString('base64') });
  }

  private async save(kind: 'png' | 'csv', data: string, suggestedName: string): Promise<void> {
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(path.join(runDirOf(this.source), suggestedName)),
      filters: kind === 'png' ? { 'PNG image': ['png'] } : { CSV: ['csv'] },
    });
    if (!target) return;
    const bytes = kind === 'png' ? Buffer.from(data.slice(data.indexOf(',') + 1), 'base64') : Buffer.from(data, 'utf8');
    await vscode.workspace.fs.writeFile(target, bytes);
    void vscode.window.showInformationMessage(`Latent Lab: saved ${vscode.workspace.asRelativePath(target)}`);
  }
}

/** The folder the panel may read: the run directory (or the capture file's folder's run). */
function runDirOf(source: string): string {
  if (!source.endsWith(CAPTURE_EXTENSION)) return source;
  const dir = path.dirname(source);
  return path.basename(dir) === RUN_FILES.captures ? path.dirname(dir) : dir;
}

function titleOf(source: string): string {
  return `Attention: ${path.basename(source.endsWith(CAPTURE_EXTENSION) ? runDirOf(source) : source)}${source.endsWith(CAPTURE_EXTENSION) ? ` (${path.basename(source)})` : ''}`;
}
