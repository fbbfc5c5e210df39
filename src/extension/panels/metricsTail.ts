// Follows a growing metrics.jsonl: each `read()` returns the records appended since
// the last one. A line without its newline yet (the engine is mid-write) waits for
// the next read; a file that shrank (a resume truncated it) starts over.

import * as fs from 'node:fs';
import type { MetricsRecord } from '../../core/events';

export class MetricsTail {
  private offset = 0;
  private pending = '';

  constructor(private readonly file: string) {}

  /** New complete records, and whether the file was truncated (then: all records, restart the view). */
  read(): { records: MetricsRecord[]; reset: boolean } {
    let size: number;
    try { size = fs.statSync(this.file).size; } catch { return { records: [], reset: false }; }
    let reset = false;
    if (size < this.offset) { this.offset = 0; this.pending = ''; reset = true; }
    if (size === this.offset) return { records: [], reset };
    const fd = fs.openSync(this.file, 'r');
    try {
      const buf = Buffer.alloc(size - this.offset);
      fs.readSync(fd, buf, 0, buf.length, this.offset);
      this.offset = size;
      const text = this.pending + buf.toString('utf8');
      const lines = text.split('\n');
      this.pending = lines.pop() ?? '';
      const records: MetricsRecord[] = [];
      for (const line of lines) {
        if (!line.trim()) continue;
        try { records.push(JSON.parse(line) as MetricsRecord); } catch { /* a torn line from a killed run */ }
      }
      return { records, reset };
    } finally {
      fs.closeSync(fd);
    }
  }
}
