// Bundles every entry point with esbuild. `--tests` also compiles the test tree
// with tsc (type-checked) into out/, `--production` minifies.
import { build } from 'esbuild';
import { execSync } from 'node:child_process';
import { cpSync, mkdirSync, existsSync, renameSync, writeFileSync } from 'node:fs';

const args = new Set(process.argv.slice(2));
const production = args.has('--production');
const common = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', sourcemap: !production, minify: production, logLevel: 'warning' };
// tfjs backends that cannot install here (tfjs-node*) stay external and are required at run time,
// and so does Dawn (`webgpu`: ESM around a prebuilt dawn.node). tfjs-backend-webgpu is plain JS:
// bundled, so it registers into the bundle's own tfjs (external only if the optional install is missing).
const engineExternals = ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'webgpu', 'latent-lab-native',
  ...(existsSync('node_modules/@tensorflow/tfjs-backend-webgpu') ? [] : ['@tensorflow/tfjs-backend-webgpu'])];

const nodeEntries = [
  // The extension is split so activation parses only dist/extension.js; the heavy parts
  // are required from beside it on first use (src/extension/lazy.ts).
  { entryPoints: ['src/extension/main.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  { entryPoints: ['src/extension/languageClient.ts'], outfile: 'dist/extension-lsp.js', external: ['vscode'] },
  { entryPoints: ['src/core/validator.ts'], outfile: 'dist/extension-validator.js' },
  { entryPoints: ['src/server/main.ts'], outfile: 'dist/server.js' },
  { entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', external: engineExternals, banner: { js: '#!/usr/bin/env node' } },
  { entryPoints: ['src/engine/child.ts'], outfile: 'dist/engine-child.js', external: engineExternals },
];
const webEntries = ['webview/dashboard/main.ts', 'webview/attention/main.ts', 'webview/compare/main.ts'];

// Each output is written beside its target and renamed over it, so a CLI or a run that starts
// while a build is in progress loads the old bundle or the new one, never a torn one.
async function bundle(options) {
  const result = await build({ ...options, write: false });
  for (const file of result.outputFiles) {
    const tmp = `${file.path}.${process.pid}.tmp`;
    writeFileSync(tmp, file.contents);
    renameSync(tmp, file.path);
  }
}

mkdirSync('dist/webview', { recursive: true });
await Promise.all([
  ...nodeEntries.filter((e) => existsSync(e.entryPoints[0])).map((e) => bundle({ ...common, ...e })),
  ...webEntries.filter((f) => existsSync(f)).map((f) =>
    bundle({ ...common, platform: 'browser', format: 'iife', target: 'es2022', entryPoints: [f], outfile: `dist/webview/${f.split('/')[1]}.js` })),
]);
// The wasm backend loads its .wasm files from beside the bundle.
for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
  cpSync(`node_modules/@tensorflow/tfjs-backend-wasm/dist/${f}`, `dist/${f}`);
}
if (args.has('--tests') || args.has('--bench')) {
  execSync('npx tsc -p .', { stdio: 'inherit' });
}
