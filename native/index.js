'use strict';
// Loader of latent-lab-native. load() never throws: it returns
//   { addon, info }   when the compiled addon loads, or
//   { addon: null, reason }   when it is absent (not built, build failed,
//                             ABI mismatch, LATENT_LAB_NATIVE=off).
// After loading it looks for a CBLAS with dlopen (OpenBLAS first); when none is
// found, or LATENT_LAB_BLAS=builtin, sgemm uses the addon's built-in kernel.
// LATENT_LAB_BLAS=/path/to/libsomething.so tries that library first.
const fs = require('fs');
const path = require('path');

const BLAS_CANDIDATES = [
  // Debian/Ubuntu libopenblas0-pthread. (The libblas.so.3 alternative may be the slow reference BLAS.)
  '/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0',
  '/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0',
  '/usr/lib/x86_64-linux-gnu/openblas-openmp/libopenblas.so.0',
  'libopenblas.so.0', 'libopenblas.so', '/usr/lib64/libopenblas.so.0', '/usr/lib64/libopenblasp.so.0',
  '/opt/homebrew/opt/openblas/lib/libopenblas.dylib', '/usr/local/opt/openblas/lib/libopenblas.dylib',
];
const ADDON_PATH = path.join(__dirname, 'build', 'Release', 'latent_lab_native.node');

let cached = null;

function notBuiltReason() {
  try {
    const status = JSON.parse(fs.readFileSync(path.join(__dirname, 'build', 'status.json'), 'utf8'));
    if (!status.built) return `addon not built: ${status.reason}`;
  } catch { /* no status: the install script never ran (--ignore-scripts) */ }
  return 'addon not built (install ran with --ignore-scripts, or run `node build.js` in the latent-lab-native folder)';
}

function load() {
  if (cached) return cached;
  if ((process.env.LATENT_LAB_NATIVE || '').toLowerCase() === 'off') return (cached = { addon: null, reason: 'LATENT_LAB_NATIVE=off' });
  if (!fs.existsSync(ADDON_PATH)) return (cached = { addon: null, reason: notBuiltReason() });
  let addon;
  try {
    addon = require(ADDON_PATH);
  } catch (e) {
    return (cached = { addon: null, reason: `addon failed to load: ${String(e && e.message).split('\n')[0]}` });
  }
  const blasEnv = process.env.LATENT_LAB_BLAS || '';
  let blasReason;
  if (blasEnv.toLowerCase() === 'builtin') {
    addon.useBuiltinGemm(true);
    blasReason = 'LATENT_LAB_BLAS=builtin';
  } else {
    const tried = blasEnv ? [blasEnv, ...BLAS_CANDIDATES] : BLAS_CANDIDATES;
    const found = tried.find((lib) => addon.loadBlas(lib));
    blasReason = found ? `dlopen ${found}` : `no CBLAS found (tried ${tried.length} paths, e.g. apt-get install libopenblas0-pthread); built-in sgemm`;
  }
  cached = { addon, blasReason, addonPath: ADDON_PATH };
  return cached;
}

module.exports = { load, BLAS_CANDIDATES };
