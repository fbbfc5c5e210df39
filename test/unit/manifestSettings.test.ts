// Settings that name a program the extension runs must not come from a workspace:
// a cloned repository's .vscode/settings.json could otherwise point
// latentLab.engine.nodePath at a script of its own. VS Code enforces this from the
// manifest: `scope: machine` (user settings only) and, for untrusted workspaces,
// `capabilities.untrustedWorkspaces.restrictedConfigurations`.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');

interface SettingSchema { type?: string; scope?: string; markdownDescription?: string; description?: string }
interface Manifest {
  contributes: { configuration: { properties: Record<string, SettingSchema> } };
  capabilities: { untrustedWorkspaces: { supported: string | boolean; restrictedConfigurations?: string[] } };
}

/** A setting naming an executable: its key says path/executable and its text mentions one. */
function namesExecutable(key: string, s: SettingSchema): boolean {
  const text = `${s.markdownDescription ?? ''} ${s.description ?? ''}`;
  return /(path|executable|command)$/i.test(key) && /\b(executable|binary|program|interpreter)\b/i.test(text);
}

describe('extension manifest: latentLab.allowedPaths widens what experiments may touch', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Manifest;
  it('is machine-scoped and ignored in untrusted workspaces, so a workspace cannot widen its own confinement', () => {
    assert.equal(manifest.contributes.configuration.properties['latentLab.allowedPaths']?.scope, 'machine');
    assert.ok((manifest.capabilities.untrustedWorkspaces.restrictedConfigurations ?? []).includes('latentLab.allowedPaths'));
  });
});

describe('extension manifest: settings that name an executable', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Manifest;
  const properties = manifest.contributes.configuration.properties;
  const executables = Object.entries(properties).filter(([k, s]) => namesExecutable(k, s)).map(([k]) => k);

  it('finds latentLab.engine.nodePath among them', () => {
    assert.ok(executables.includes('latentLab.engine.nodePath'), `settings found: ${executables.join(', ')}`);
  });

  it('are machine-scoped, so a workspace\'s settings cannot set them', () => {
    for (const key of executables) assert.equal(properties[key].scope, 'machine', `${key} needs "scope": "machine" in package.json`);
  });

  it('are ignored in untrusted workspaces (restrictedConfigurations)', () => {
    const restricted = manifest.capabilities.untrustedWorkspaces.restrictedConfigurations ?? [];
    for (const key of executables) assert.ok(restricted.includes(key), `${key} is missing from capabilities.untrustedWorkspaces.restrictedConfigurations`);
  });
});
