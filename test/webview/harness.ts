// Loads a webview bundle into headless Chromium the way VS Code would: an HTML
// page with the panel's CSS, a `#app` root, the theme's CSS variables, and the
// bundle as a script. Messages from the "host" are window.postMessage calls;
// messages to the host land in window.__latentLabPosted (the vscodeApi stand-in).
//
// Chromium is /usr/bin/chromium (Debian). Under CI=true a missing Chromium fails
// the suite; elsewhere the suite is skipped with a loud message.

import { build } from 'esbuild';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const ROOT = path.resolve(__dirname, '../../..');
export const CHROMIUM = process.env.LATENT_LAB_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = path.join(ROOT, 'test/e2e/artifacts');
const BUNDLES = path.join(ROOT, 'out/test/webview-bundles');

export type PanelName = 'attention' | 'dashboard' | 'compare';

/** Dark+ and Light+ values of the variables the panels use. */
export const THEMES: Record<'dark' | 'light', Record<string, string>> = {
  dark: {
    '--vscode-foreground': '#cccccc', '--vscode-descriptionForeground': '#9d9d9d', '--vscode-editor-background': '#1e1e1e',
    '--vscode-panel-border': '#80808059', '--vscode-focusBorder': '#007fd4', '--vscode-font-family': 'sans-serif',
    '--vscode-font-size': '13px', '--vscode-errorForeground': '#f48771', '--vscode-badge-background': '#4d4d4d',
    '--vscode-badge-foreground': '#ffffff', '--vscode-charts-blue': '#3794ff', '--vscode-charts-red': '#f14c4c',
    '--vscode-charts-green': '#89d185', '--vscode-charts-yellow': '#cca700', '--vscode-charts-orange': '#d18616',
    '--vscode-charts-purple': '#b180d7', '--vscode-editorHoverWidget-background': '#252526', '--vscode-textLink-foreground': '#3794ff',
  },
  light: {
    '--vscode-foreground': '#616161', '--vscode-descriptionForeground': '#717171', '--vscode-editor-background': '#ffffff',
    '--vscode-panel-border': '#80808059', '--vscode-focusBorder': '#0090f1', '--vscode-font-family': 'sans-serif',
    '--vscode-font-size': '13px', '--vscode-errorForeground': '#a1260d', '--vscode-badge-background': '#c4c4c4',
    '--vscode-badge-foreground': '#333333', '--vscode-charts-blue': '#1a85ff', '--vscode-charts-red': '#e51400',
    '--vscode-charts-green': '#388a34', '--vscode-charts-yellow': '#bf8803', '--vscode-charts-orange': '#d18616',
    '--vscode-charts-purple': '#652d90', '--vscode-editorHoverWidget-background': '#f3f3f3', '--vscode-textLink-foreground': '#006ab1',
    '--vscode-dropdown-background': '#ffffff', '--vscode-dropdown-foreground': '#616161', '--vscode-dropdown-border': '#cecece',
    '--vscode-settings-dropdownBackground': '#ffffff', '--vscode-settings-dropdownForeground': '#616161', '--vscode-settings-dropdownBorder': '#cecece',
    '--vscode-list-activeSelectionBackground': '#0060c0', '--vscode-list-activeSelectionForeground': '#ffffff', '--vscode-list-hoverBackground': '#e8e8e8',
    '--vscode-button-background': '#007acc', '--vscode-button-foreground': '#ffffff',
    '--vscode-button-secondaryBackground': '#e5e5e5', '--vscode-button-secondaryForeground': '#000000',
  },
};

const bundled = new Map<PanelName, Promise<unknown>>();

/** Bundles a webview exactly as scripts/build.mjs does, into out/test/webview-bundles (once per process). */
export function buildBundle(name: PanelName): Promise<unknown> {
  if (!bundled.has(name)) {
    bundled.set(name, build({
      bundle: true, platform: 'browser', format: 'iife', target: 'es2022', logLevel: 'warning',
      entryPoints: [path.join(ROOT, `webview/${name}/main.ts`)], outfile: path.join(BUNDLES, `${name}.js`),
    }));
  }
  return bundled.get(name)!;
}

/** Launches Chromium, or skips (fails under CI) when it is missing. */
export async function launchChromium(ctx: Mocha.Context): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    const why = `Chromium not found at ${CHROMIUM}: install it (apt-get install chromium) or set LATENT_LAB_CHROMIUM`;
    if (process.env.CI === 'true') throw new Error(`${why}. The webview rendering tests cannot be skipped under CI.`);
    console.warn(`\n  SKIPPING webview rendering tests: ${why}\n`);
    ctx.skip();
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Opens a panel page with the given theme; resolves once the bundle posted `ready`. */
/** One headless Chromium for a describe block: launched before its tests, closed after. */
export function sharedBrowser(): () => Browser {
  let browser: Browser | undefined;
  before(async function () { browser = await launchChromium(this); });
  after(async () => { await browser?.close(); });
  return () => browser!;
}

export async function openPanel(browser: Browser, panel: PanelName, theme: 'dark' | 'light' = 'dark', viewport = { width: 1280, height: 900 }): Promise<Page> {
  await buildBundle(panel);
  const vars = Object.entries(THEMES[theme]).map(([k, v]) => `${k}: ${v};`).join(' ');
  // The CSP docs/panels.md tells the host to set (file: stands in for webview.cspSource).
  const html = `<!DOCTYPE html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src file: data:; style-src file: 'unsafe-inline'; font-src file:; script-src 'nonce-test'">
<link rel="stylesheet" href="file://${ROOT}/media/panels.css">
<link rel="stylesheet" href="file://${ROOT}/media/${panel === 'compare' ? 'dashboard' : panel}.css">
<style>html { ${vars} }</style></head>
<body class="vscode-${theme}"><div id="app"></div>
<script nonce="test" src="file://${BUNDLES}/${panel}.js"></script></body></html>`;
  mkdirSync(BUNDLES, { recursive: true });
  const file = path.join(BUNDLES, `${panel}-${theme}.html`);
  writeFileSync(file, html);
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(`file://${file}`);
  await page.waitForFunction(() => ((window as unknown as { __latentLabPosted?: { type: string }[] }).__latentLabPosted ?? []).some((m) => m.type === 'ready'), undefined, { timeout: 10000 })
    .catch(() => { throw new Error(`${panel} never posted 'ready'; page errors: ${errors.join('; ') || 'none'}`); });
  (page as Page & { llErrors?: string[] }).llErrors = errors;
  return page;
}

/** Sends a host → webview message (as a JSON string across the wire: Playwright's object serialisation is slow for big messages). */
export async function post(page: Page, message: unknown): Promise<void> {
  await page.evaluate((json) => window.postMessage(JSON.parse(json), '*'), JSON.stringify(message));
}

/** Messages the webview posted to the host so far. */
export async function posted(page: Page): Promise<{ type: string; [k: string]: unknown }[]> {
  return page.evaluate(() => (window as unknown as { __latentLabPosted: { type: string }[] }).__latentLabPosted) as Promise<{ type: string; [k: string]: unknown }[]>;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, name);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
