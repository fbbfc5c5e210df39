// Custom messages between the extension (language client) and the language server.
// In core, not server/: both bundles import it, and the extension must not reach into the server.

export const VALIDATE_REQUEST = 'latentLab/validate';

export interface ValidateParams { uri: string }

export interface ValidateSummary {
  uri: string;
  errors: number;
  warnings: number;
  /** `file:line:col: severity: message`, one-based, as the CLI prints them. */
  problems: string[];
}

/** Settings the client sends at start (initializationOptions) and on change (didChangeConfiguration). */
export interface ServerSettings {
  validation?: { debounceMs?: number };
  /** `latentLab.allowedPaths`: folders outside the workspace that experiments may point into (validate/confine.ts). */
  allowedPaths?: string[];
}
