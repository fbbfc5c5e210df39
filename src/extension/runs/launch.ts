// How a child process of the extension is started: which Node runs dist/engine-child.js
// (a run) or dist/cli.js (Submit Sweep), with which flags and environment. Pure: the
// settings come in as plain values (RunService.launchSpec reads them, in one place).

import type { ForkOptions } from 'node:child_process';

export interface EngineSettings {
  nodePath: string;          // latentLab.engine.nodePath; '' = the editor's own runtime
  memoryLimitMb: number;     // latentLab.engine.memoryLimitMb; 0 = Node's default
}

export interface LaunchSpec { modulePath: string; options: ForkOptions }

/**
 * The engine confines an experiment's paths to its project; the editor's workspace
 * folders and the user's allowed folders count as inside. They reach the child in
 * LATENT_LAB_ALLOW_PATHS of `baseEnv`, which the extension host keeps current in its
 * own process.env (allowedPaths.ts: applyAllowedFolders), so nothing is recomputed here.
 *
 * The extension host's own executable runs Node code only with ELECTRON_RUN_AS_NODE=1
 * (in code-server it is Node already, and the variable is harmless). A configured
 * nodePath is a plain Node: the variable is not set.
 */
export function engineLaunch(modulePath: string, s: EngineSettings, baseEnv: NodeJS.ProcessEnv = process.env, execPath = process.execPath): LaunchSpec {
  const execArgv: string[] = [];
  if (s.memoryLimitMb > 0) execArgv.push(`--max-old-space-size=${Math.floor(s.memoryLimitMb)}`);
  const env: NodeJS.ProcessEnv = { ...baseEnv };
  const custom = s.nodePath.trim();
  if (custom) delete env.ELECTRON_RUN_AS_NODE;
  else env.ELECTRON_RUN_AS_NODE = '1';
  return {
    modulePath,
    options: {
      execPath: custom || execPath,
      execArgv,
      env,
      // stdout/stderr piped to the output channel; the IPC channel carries the events.
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    },
  };
}
