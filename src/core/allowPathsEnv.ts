// The environment variable naming folders experiments may use besides their project
// (docs/security.md). Its own module so the extension's activation bundle can name it
// without loading the confinement code (src/core/validate/confine.ts).
export const ALLOW_PATHS_ENV = 'LATENT_LAB_ALLOW_PATHS';
