// The heavy parts of the extension load on first use, from their own bundles beside
// dist/extension.js (scripts/build.mjs), so activation parses only the small main
// bundle: the language client (vscode-languageclient, ~0.8 MB) when an experiment file
// is open, the validator (ajv, yaml, the schema, ~0.6 MB) when a run starts or the
// runs view lists experiments. Unbundled (tsc output under out/), the same modules
// load from their compiled sources.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as LanguageClientModule from './languageClient';
import type * as ValidatorModule from '../core/validator';

function loader<T>(bundle: string, unbundled: string): () => T {
  let loaded: T | undefined;
  return () => {
    if (loaded) return loaded;
    const bundled = path.join(__dirname, bundle);
    // Non-literal paths: esbuild leaves these requires to run time instead of inlining the module.
    loaded = require(fs.existsSync(bundled) ? bundled : path.join(__dirname, unbundled)) as T;
    return loaded;
  };
}

/** src/extension/languageClient.ts, from dist/extension-lsp.js. */
export const languageClientModule = loader<typeof LanguageClientModule>('extension-lsp.js', 'languageClient');
/** src/core/validator.ts, from dist/extension-validator.js. */
export const validatorModule = loader<typeof ValidatorModule>('extension-validator.js', path.join('..', 'core', 'validator'));
