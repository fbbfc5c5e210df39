// Entry of the attention viewer webview (bundled to dist/webview/attention.js).
// Host → webview: {type:'capture', step, steps, bytes} | {type:'error', message}
// Webview → host: {type:'ready'} | {type:'requestStep', step} | {type:'export', kind, data, suggestedName}
// See docs/panels.md for the full protocol.

import { CaptureFormatError, decodeCapture } from '../../src/core/capture';
import { messageBytes } from '../shared/bytes';
import { vscodeApi } from '../shared/vscodeApi';
import { AttentionViewer } from './viewer';

const viewer = new AttentionViewer(document.getElementById('app') ?? document.body);
(window as unknown as { __attentionViewer: AttentionViewer }).__attentionViewer = viewer;

window.addEventListener('message', (event: MessageEvent) => {
  const msg = event.data as { type?: unknown; step?: unknown; steps?: unknown; bytes?: unknown; message?: unknown };
  if (typeof msg !== 'object' || msg === null) return;
  if (msg.type === 'error') {
    viewer.showMessage(`Cannot show attention: ${String(msg.message)}`, true);
    return;
  }
  if (msg.type !== 'capture') return;
  const step = typeof msg.step === 'number' ? msg.step : 0;
  const steps = Array.isArray(msg.steps) && msg.steps.every((s) => typeof s === 'number') ? (msg.steps as number[]) : [step];
  try {
    const capture = decodeCapture(messageBytes(msg.bytes));
    viewer.showCapture(capture, step, steps.includes(step) ? steps : [...steps, step]);
  } catch (e) {
    const why = e instanceof CaptureFormatError ? 'the capture file is invalid' : 'the capture could not be shown';
    viewer.showMessage(`Step ${step}: ${why}: ${(e as Error).message}`, true);
  }
});

vscodeApi().postMessage({ type: 'ready' });
