'use strict';
// Install script of latent-lab-native. It builds the addon with node-gyp
// against the headers of the node that runs it (--nodedir, never a download)
// and ALWAYS exits 0: no compiler, no headers, a failed build or
// LATENT_LAB_NATIVE_SKIP_BUILD=1 all leave the addon absent, and Latent Lab
// then runs on stock tfjs kernels. build/status.json records why.
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const buildDir = path.join(__dirname, 'build');
const log = (msg) => console.log(`[latent-lab-native] ${msg}`);

function writeStatus(status) {
  try {
    fs.mkdirSync(buildDir, { recursive: true });
    fs.writeFileSync(path.join(buildDir, 'status.json'), JSON.stringify({ ...status, node: process.version, at: new Date().toISOString() }, null, 1));
  } catch { /* a read-only tree: the loader then says "not built" */ }
}

function onPath(cmd) {
  const r = spawnSync(process.platform === 'win32' ? 'where' : 'sh', process.platform === 'win32' ? [cmd] : ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
  return r.status === 0;
}

function findNodeGyp(prefix) {
  if (process.env.npm_config_node_gyp && fs.existsSync(process.env.npm_config_node_gyp)) return process.env.npm_config_node_gyp;
  for (const dir of [path.join(prefix, 'lib', 'node_modules'), path.join(prefix, 'node_modules')]) {
    const candidate = path.join(dir, 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    if (fs.existsSync(candidate)) return candidate;
  }
  return null;
}

function build() {
  if (process.env.LATENT_LAB_NATIVE_SKIP_BUILD === '1') return { built: false, reason: 'LATENT_LAB_NATIVE_SKIP_BUILD=1' };
  const cxx = process.env.CXX || 'c++';
  if (!onPath(cxx) && !onPath('g++')) return { built: false, reason: `no C++ compiler (${cxx} / g++ not on PATH)` };
  // The running node's own headers: <prefix>/include/node/node_api.h (Debian nodejs, official tarballs, nvm).
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  if (!fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) {
    return { built: false, reason: `no Node headers at ${path.join(prefix, 'include', 'node')} (install the nodejs headers; nothing is downloaded)` };
  }
  const gyp = findNodeGyp(prefix);
  const args = ['rebuild', `--nodedir=${prefix}`, '--jobs=2'];
  const t0 = Date.now();
  const r = gyp
    ? spawnSync(process.execPath, [gyp, ...args], { cwd: __dirname, stdio: 'inherit' })
    : spawnSync('node-gyp', args, { cwd: __dirname, stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) {
    try { fs.rmSync(path.join(buildDir, 'Release'), { recursive: true, force: true }); } catch { /* ignore */ }
    return { built: false, reason: `node-gyp failed (${r.error ? r.error.message : `exit ${r.status}`})` };
  }
  return { built: true, seconds: (Date.now() - t0) / 1000 };
}

let status;
try {
  status = build();
} catch (e) {
  status = { built: false, reason: `build script error: ${e && e.message}` };
}
writeStatus(status);
log(status.built ? `built in ${status.seconds.toFixed(1)} s` : `not built: ${status.reason}; tfjs stock kernels will be used`);
process.exit(0);
