// What the VSIX carries: `npm run package:vsix` (the one packaging command that
// `npm run package`, scripts/code-server.sh and test/e2e/run.sh call) over a tree
// shaped like a used checkout, with the repository's own package.json and
// .vscodeignore. Run directories, checkpoints, captures and test folders must
// stay out: a shipped run shows up again in every scan of the installed extension.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');

/** Names of the entries in a zip file, from its central directory. */
export function zipEntries(bytes: Buffer): string[] {
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (bytes.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) throw new Error('not a zip file: no end-of-central-directory record');
  const count = bytes.readUInt16LE(eocd + 10);
  let at = bytes.readUInt32LE(eocd + 16);
  const names: string[] = [];
  for (let n = 0; n < count; n++) {
    if (bytes.readUInt32LE(at) !== 0x02014b50) throw new Error(`zip central directory entry ${n} is corrupt`);
    const nameLen = bytes.readUInt16LE(at + 28), extraLen = bytes.readUInt16LE(at + 30), commentLen = bytes.readUInt16LE(at + 32);
    names.push(bytes.toString('utf8', at + 46, at + 46 + nameLen));
    at += 46 + nameLen + extraLen + commentLen;
  }
  return names;
}

function put(root: string, rel: string, text = 'x'): void {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), text);
}

describe('VSIX contents', function () {
  this.timeout(120000);
  let dir = '';
  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'll-vsix-')); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('packages the extension, schemas and example files, and no run directory, checkpoint, capture or test folder', () => {
    for (const f of ['package.json', '.vscodeignore']) fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
    put(dir, 'README.md', '# Latent Lab\n\nSee [docs](docs/vscode.md).\n');
    for (const f of ['dist/extension.js', 'dist/server.js', 'dist/engine-child.js', 'dist/cli.js', 'dist/webview/attention.js', 'media/runs.svg',
      'schemas/experiment.schema.json', 'examples/livr.experiment.yaml', 'examples/evidence/sft.experiment.yaml',
      'models/tiny-vlm-base/checkpoint/weights.bin', 'models/tiny-vlm-base/checkpoint/checkpoint.json']) put(dir, f);
    const unwanted = [
      'examples/runs/20260101-000000-livr/metrics.jsonl',
      'examples/runs/20260101-000000-livr/experiment.yaml',
      'examples/runs/sweep/00-seed=0/my.experiment.yaml',
      'examples/runs/20260101-000000-livr/checkpoints/step-8/weights.bin',
      'examples/evidence/runs/sweep/00-seed=0/summary.json',
      'examples/captures/step-8.llcap',
      'runs/20260101-000000-sft/checkpoints/latest/weights.bin',
      'models/tiny-vlm-base/runs/x/summary.json',
      '.e2e/extensions/latent-lab.latent-lab-0.1.0/examples/livr.experiment.yaml',
      'src/engine/run.ts', 'test/unit/run.test.ts', 'out/test/unit/run.test.js', 'node_modules/yaml/index.js',
    ];
    for (const f of unwanted) put(dir, f);
    const vsix = path.join(dir, 'out.vsix');
    const bin = path.join(ROOT, 'node_modules/.bin');
    execFileSync('npm', ['run', '-s', 'package:vsix', '--', '-o', vsix], {
      cwd: dir, stdio: 'pipe', input: '', env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` },
    });
    const entries = zipEntries(fs.readFileSync(vsix)).filter((e) => e.startsWith('extension/')).map((e) => e.slice('extension/'.length));
    for (const want of ['package.json', 'dist/extension.js', 'dist/webview/attention.js', 'schemas/experiment.schema.json', 'examples/livr.experiment.yaml', 'examples/evidence/sft.experiment.yaml', 'models/tiny-vlm-base/checkpoint/weights.bin']) {
      assert.ok(entries.includes(want), `${want} missing from the VSIX: ${entries.join(', ')}`);
    }
    const leaked = entries.filter((e) => /(^|\/)(runs|checkpoints|\.e2e|node_modules|src|test|out)\//.test(e) || e.endsWith('.llcap'));
    assert.deepEqual(leaked, [], `the VSIX carries files it must not: ${leaked.join(', ')}`);
  });
});
