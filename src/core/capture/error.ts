// The one error type of the capture format; its own file so the checker and the
// codec can both throw it without importing each other.

/** A user-visible problem with a capture file; the message says exactly what is wrong where. */
export class CaptureFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CaptureFormatError';
  }
}
