// Restoring panels after a window reload. The dashboard's webview keeps its run
// directory in its state (setState); the attention viewer and compare panel keep
// only view state, so the host remembers their sources by panel title in
// workspaceState.

import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { AttentionPanel } from './attentionPanel';
import { ComparePanel } from './comparePanel';
import { DashboardPanel } from './dashboardPanel';

const SOURCES_KEY = 'latentLab.panelSources';

export function rememberSource(context: vscode.ExtensionContext, title: string, source: string | string[]): void {
  const all = context.workspaceState.get<Record<string, string | string[]>>(SOURCES_KEY, {});
  void context.workspaceState.update(SOURCES_KEY, { ...all, [title]: source });
}

function sourceOf(context: vscode.ExtensionContext, title: string): string | string[] | undefined {
  return context.workspaceState.get<Record<string, string | string[]>>(SOURCES_KEY, {})[title];
}

function gone(panel: vscode.WebviewPanel, what: string): void {
  panel.webview.html = `<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'"></head><body><p>${what.replace(/[&<>]/g, ' ')}</p></body></html>`;
}

/** Restores a dashboard from the webview's saved state `{ run: { dir } }`. */
export function restoreDashboard(extensionUri: vscode.Uri, panel: vscode.WebviewPanel, state: unknown): DashboardPanel | undefined {
  const dir = (state as { run?: { dir?: unknown } } | undefined)?.run?.dir;
  if (typeof dir !== 'string' || !fs.existsSync(dir)) {
    gone(panel, `Latent Lab: the run of this dashboard${typeof dir === 'string' ? ` (${dir})` : ''} no longer exists.`);
    return undefined;
  }
  return new DashboardPanel(panel, extensionUri, dir);
}

export function registerSerializers(context: vscode.ExtensionContext): void {
  const ext = context.extensionUri;
  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(DashboardPanel.viewType, {
      deserializeWebviewPanel: async (panel, state: unknown) => { restoreDashboard(ext, panel, state); },
    }),
    vscode.window.registerWebviewPanelSerializer(AttentionPanel.viewType, {
      deserializeWebviewPanel: async (panel) => {
        const src = sourceOf(context, panel.title);
        if (typeof src === 'string' && fs.existsSync(src)) new AttentionPanel(panel, ext, src);
        else gone(panel, 'Latent Lab: the captures of this attention viewer are gone; open it again from a run.');
      },
    }),
    vscode.window.registerWebviewPanelSerializer(ComparePanel.viewType, {
      deserializeWebviewPanel: async (panel) => {
        const src = sourceOf(context, panel.title);
        if (Array.isArray(src)) new ComparePanel(panel, ext, src);
        else gone(panel, 'Latent Lab: the runs of this comparison are unknown; run "Latent Lab: Compare Runs" again.');
      },
    }),
  );
}
