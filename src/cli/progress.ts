// Prints engine events in a terminal: log lines as they come, and one progress
// bar line (epoch, step/total, loss, lr, ex/s, ETA) redrawn in place on a TTY.
// Without a TTY (CI, pipes) progress becomes a plain line every few seconds.

import { describeEvent, type EngineEvent, type ProgressEvent } from '../core/events';

export interface ProgressOptions {
  out?: NodeJS.WriteStream;
  quiet?: boolean;              // only errors and the final result
  plainIntervalMs?: number;     // non-TTY: at most one progress line per interval
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '?';
  if (s < 60) return `${Math.round(s)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function progressLine(e: ProgressEvent, width = 24): string {
  const frac = e.totalSteps > 0 ? Math.min(1, e.step / e.totalSteps) : 0;
  const filled = Math.round(frac * width);
  const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
  return `epoch ${e.epoch + 1}/${e.totalEpochs} ${bar} ${e.step}/${e.totalSteps} loss ${e.loss.toFixed(4)} ` +
    `lr ${e.lr.toExponential(2)} ${e.examplesPerSecond.toFixed(1)} ex/s ETA ${formatSeconds(e.etaSeconds)}`;
}

export class ProgressPrinter {
  private readonly out: NodeJS.WriteStream;
  private readonly tty: boolean;
  private barShown = false;
  private lastPlain = 0;

  constructor(private readonly opts: ProgressOptions = {}) {
    this.out = opts.out ?? process.stdout;
    this.tty = Boolean(this.out.isTTY);
  }

  handle(e: EngineEvent): void {
    if (e.type === 'progress') {
      if (this.opts.quiet) return;
      if (this.tty) {
        this.out.write(`\r\x1b[2K${progressLine(e)}`);
        this.barShown = true;
      } else {
        const now = Date.now();
        if (now - this.lastPlain >= (this.opts.plainIntervalMs ?? 5000) || e.step === e.totalSteps) {
          this.lastPlain = now;
          this.out.write(progressLine(e) + '\n');
        }
      }
      return;
    }
    const important = e.type === 'error' || e.type === 'done' || (e.type === 'evaluation');
    if (this.opts.quiet && !important) return;
    this.line(describeEvent(e));
  }

  /** Prints lines above the progress bar (the bar is redrawn by the next progress event). */
  line(lines: string[]): void {
    if (!lines.length) return;
    if (this.barShown) {
      this.out.write('\r\x1b[2K');
      this.barShown = false;
    }
    this.out.write(lines.join('\n') + '\n');
  }

  finish(): void {
    if (this.barShown) this.out.write('\n');
    this.barShown = false;
  }
}
