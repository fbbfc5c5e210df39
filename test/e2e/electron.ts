// The same in-editor suite under desktop VS Code, for machines that can download it
// (@vscode/test-electron fetches VS Code from the internet; offline CI uses run.sh).
// usage: node test/e2e/build.mjs && node dist/test/electron.js [vscodeVersion]

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '../..');
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'latent-e2e-ws-'));
  for (const f of fs.readdirSync(path.join(root, 'examples'))) fs.copyFileSync(path.join(root, 'examples', f), path.join(workspace, f));
  await runTests({
    version: process.argv[2] ?? '1.100.3',
    extensionDevelopmentPath: root,
    extensionTestsPath: path.join(root, 'dist/test/suite/index.js'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
  });
}

main().catch((e: unknown) => { console.error(e); process.exit(1); });
