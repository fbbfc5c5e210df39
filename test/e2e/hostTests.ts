// Runs test/e2e/suite (the @vscode/test-electron `run()` contract) inside the extension
// host of a running code-server, by opening the workbench with a `payload` naming the
// extension under development and the tests. Chromium only hosts the workbench page.
// usage: node dist/test/hostTests.js <serverUrl> <workspaceFolder> <extensionDevelopmentPath> <extensionTestsPath>

import * as util from 'node:util';
import { launchBrowser, summaryLine } from './browser';

const decodeHtml = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

async function main(): Promise<number> {
  const [server, folder, devPath, testsPath] = process.argv.slice(2);
  if (!testsPath) throw new Error('usage: hostTests <serverUrl> <folder> <extensionDevelopmentPath> <extensionTestsPath>');
  const base = `${server}/?folder=${encodeURIComponent(folder)}`;
  const html = await (await fetch(base)).text();
  const m = /id="vscode-workbench-web-configuration" data-settings="([^"]*)"/.exec(html);
  if (!m) throw new Error('code-server page has no workbench configuration');
  const authority = (JSON.parse(decodeHtml(m[1])) as { remoteAuthority?: string }).remoteAuthority ?? new URL(server).host;
  const remote = (p: string) => `vscode-remote://${authority}${p}`;
  const payload = [['extensionDevelopmentPath', remote(devPath)], ['extensionTestsPath', remote(testsPath)]];

  const { page, close } = await launchBrowser();
  // The built workbench honours the payload's test paths only with the smoke-test driver enabled,
  // which code-server's CLI does not expose: switch it on in the configuration as the page reads it.
  await page.addInitScript(() => {
    const original = Element.prototype.getAttribute;
    Element.prototype.getAttribute = function (this: Element, name: string) {
      const v = original.call(this, name);
      if (name === 'data-settings' && this.id === 'vscode-workbench-web-configuration' && v) {
        const c = JSON.parse(v) as { developmentOptions?: Record<string, unknown> };
        c.developmentOptions = { ...(c.developmentOptions ?? {}), enableSmokeTestDriver: true };
        return JSON.stringify(c);
      }
      return v;
    };
  });
  let summary: string | undefined;
  let exit!: (code: number | string) => void;
  const exited = new Promise<number | string>((r) => (exit = r));
  await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
    const text = util.format(...args);
    const s = /^\s*(\d+) passed, (\d+) failed\s*$/m.exec(text);
    if (s) summary = s[0].trim();
    console.log(text.split('\n').map((l) => `[ext ${type}] ${l}`).join('\n'));
  });
  await page.exposeFunction('codeAutomationExit', (code: number) => exit(code));
  page.on('pageerror', (e) => console.log('[pageerror]', e.message));
  await page.goto(`${base}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
  const timeoutMs = Number(process.env.EXT_TEST_TIMEOUT_MS ?? 300000);
  const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('timeout'), timeoutMs))]);
  if (code === 'timeout') await page.screenshot({ path: `${process.env.E2E_ARTIFACTS ?? '.'}/host-tests-timeout.png` });
  await close();
  console.log(`extension host tests finished: exit=${code}`);
  // No summary means the suite never ran (or crashed while loading): that is a failure, never a skip.
  console.log(summary ?? summaryLine(0, 1));
  return code === 0 && summary && !/^0 passed/.test(summary) ? 0 : 1;
}

main().then((c) => process.exit(c), (e: unknown) => { console.error(e); console.log(summaryLine(0, 1)); process.exit(2); });
