// The language id of experiment files (package.json `contributes.languages`).
// Its own module so the activation bundle can name it without loading the language client.
export const LANGUAGE_ID = 'latent-experiment';
