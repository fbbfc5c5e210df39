// The HTML shell of every Latent Lab webview: a nonce CSP that allows only the
// bundled script and the extension's styles, nothing remote.

import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

export type PanelKind = 'dashboard' | 'attention' | 'compare';

export function nonce(): string {
  return randomBytes(16).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}

export function contentSecurityPolicy(cspSource: string, n: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${n}'`,
    `style-src ${cspSource} 'unsafe-inline'`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

/** Webview options: scripts on, resources only from dist/webview, media and (optionally) the run's directory. */
export function webviewOptions(extensionUri: vscode.Uri, runDir?: string): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  const roots = [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')];
  if (runDir) roots.push(vscode.Uri.file(runDir));
  return { enableScripts: true, localResourceRoots: roots, retainContextWhenHidden: false };
}

export function panelHtml(webview: vscode.Webview, extensionUri: vscode.Uri, kind: PanelKind, title: string): string {
  const n = nonce();
  const uri = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...p)).toString();
  const css = kind === 'compare' ? 'dashboard' : kind;
  const esc = title.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]!));
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(webview.cspSource, n)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${uri('media', 'panels.css')}">
<link rel="stylesheet" href="${uri('media', `${css}.css`)}">
<title>${esc}</title></head>
<body><div id="app"></div>
<script nonce="${n}" src="${uri('dist', 'webview', `${kind}.js`)}"></script></body></html>`;
}
