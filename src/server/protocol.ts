// Custom messages between the extension and the server (shared by both bundles).

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
export interface ServerSettings { validation?: { debounceMs?: number } }
