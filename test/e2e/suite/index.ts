// Entry of the in-editor test suite (the `run()` contract of @vscode/test-electron):
// loaded by the extension host of a real VS Code, it runs mocha and prints the summary
// line `N passed, M failed` that the drivers look for. Bundled by test/e2e/build.mjs.

import Mocha = require('mocha');

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 30000, reporter: 'spec', color: false });
  // Bundled: the test files are required after mocha has set up describe/it.
  mocha.suite.emit('pre-require', globalThis, 'bundle', mocha);
  require('./editorExperience.test');
  require('./runs.test');
  require('./workspace.test');
  require('./submitSweep.test');   // last: it needs the SLURM that run.sh starts
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const passed = runner.stats?.passes ?? 0;
      console.log(`${passed} passed, ${failures} failed`);
      if (failures > 0) reject(new Error(`${failures} test(s) failed`));
      else if (passed === 0) reject(new Error('no test ran'));
      else resolve();
    });
  });
}
