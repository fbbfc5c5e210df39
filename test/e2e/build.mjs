// Bundles the e2e pieces: the in-editor suite (vscode and mocha stay external: the
// extension host provides vscode, mocha resolves from the repository's node_modules)
// and the two drivers (playwright-core stays external).
import { build } from 'esbuild';

const common = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', sourcemap: true, logLevel: 'warning' };
await Promise.all([
  build({ ...common, entryPoints: ['test/e2e/suite/index.ts'], outfile: 'dist/test/suite/index.js', external: ['vscode', 'mocha'] }),
  build({ ...common, entryPoints: ['test/e2e/hostTests.ts'], outfile: 'dist/test/hostTests.js', external: ['playwright-core'] }),
  build({ ...common, entryPoints: ['test/e2e/ui.ts'], outfile: 'dist/test/ui.js', external: ['playwright-core'] }),
  build({ ...common, entryPoints: ['test/e2e/electron.ts'], outfile: 'dist/test/electron.js', external: ['@vscode/test-electron'] }),
]);
