// Checks a schema cannot express: sizes that must divide, layer indices within
// the model's depth, latents the method needs, ranges whose ends are ordered,
// eval diagnostics a method does not compute, and the rules of configRules.ts (what a
// method and the data can run).
// Runs on a schema-valid config (defaults filled), so fields have their types.
import type { ExperimentConfig } from '../experiment';
import type { Problem, Severity } from '../problems';
import { configRuleBreaks } from './configRules';
import { dottedPath, type ConfigPath, type Locator } from './sourceMap';

type Report = (field: ConfigPath, severity: Severity, code: string, message: string, fix?: string) => void;

export function semanticProblems(config: ExperimentConfig, locator: Locator): Problem[] {
  const problems: Problem[] = [];
  const report: Report = (field, severity, code, message, fix) => {
    const part = locator.exact(field)?.span.kind === 'map' ? 'head' : 'value';   // a block: underline its key only
    const { file, range } = locator.locate(field, part);
    problems.push({ file, range, severity, code, message, path: dottedPath(field),
      ...(fix !== undefined ? { fixes: [{ title: `Change to ${fix}`, newText: fix }] } : {}) });
  };
  // Of two fields that conflict, underline the one the user wrote (the other may be a default).
  const written = (a: ConfigPath, b: ConfigPath): ConfigPath => (locator.exact(a) || !locator.exact(b) ? a : b);

  checkDivisible(config.model.d_model, config.model.heads, ['model', 'd_model'], ['model', 'heads'], 'semantic.heads', report, written);
  checkDivisible(config.model.d_vision, config.model.vision_heads, ['model', 'd_vision'], ['model', 'vision_heads'], 'semantic.vision-heads', report, written);
  checkDivisible(config.data.image_size, config.model.patch_size, ['data', 'image_size'], ['model', 'patch_size'], 'semantic.patch-size', report, written);

  checkLayers(config, report);
  checkLatents(config, report);
  checkMethodBlocks(config, report);
  checkData(config, report);
  checkEval(config, report, locator);
  for (const r of configRuleBreaks(config)) report(r.field, r.severity, r.code, r.message, r.fix);
  return problems;
}

function checkDivisible(total: number, part: number, totalPath: ConfigPath, partPath: ConfigPath, code: string, report: Report,
  written: (a: ConfigPath, b: ConfigPath) => ConfigPath): void {
  if (total % part === 0) return;
  const at = written(partPath, totalPath);
  const t = `\`${dottedPath(totalPath)}\``, p = `\`${dottedPath(partPath)}\``;
  if (at === partPath) {
    const fix = nearestDivisor(total, part);
    report(at, 'error', code, `${p} (${part}) must divide ${t} (${total}): use a divisor of ${total} such as ${fix}, or change ${t}`, String(fix));
  } else {
    const fix = Math.max(part, Math.round(total / part) * part);
    report(at, 'error', code, `${t} (${total}) must be a multiple of ${p} (${part}): use e.g. ${fix}, or change ${p}`, String(fix));
  }
}

function nearestDivisor(n: number, near: number): number {
  let best = 1;
  for (let d = 1; d <= n; d++) if (n % d === 0 && Math.abs(d - near) <= Math.abs(best - near)) best = d;   // ties: the larger
  return best;
}

function checkLayers(config: ExperimentConfig, report: Report): void {
  const depth = config.model.layers;
  const outOfDepth = (field: ConfigPath, layer: number) =>
    report(field, 'error', 'semantic.layer', `\`${dottedPath(field)}\`: layer ${layer} does not exist, the decoder has ${depth} layer${depth === 1 ? '' : 's'} (\`model.layers\`), numbered 0 to ${depth - 1}: use a layer below ${depth}`, String(depth - 1));
  const lists: [ConfigPath, number[] | 'all'][] = [
    [['method', 'crystal', 'alignment_layers'], config.method.crystal.alignment_layers],
    [['eval', 'capture', 'layers'], config.eval.capture.layers],
  ];
  // Grounding's default layer list applies only when it is on (a 1-layer model keeps the default).
  if (config.method.sft.grounding.weight > 0) lists.push([['method', 'sft', 'grounding', 'layers'], config.method.sft.grounding.layers]);
  for (const [field, layers] of lists) {
    if (layers === 'all') continue;
    layers.forEach((layer, i) => { if (layer >= depth) outOfDepth([...field, i], layer); });
  }
  const repaLayer = config.method.valr.repa.layer;
  if (typeof repaLayer === 'number' && repaLayer >= depth) outOfDepth(['method', 'valr', 'repa', 'layer'], repaLayer);
}

function checkLatents(config: ExperimentConfig, report: Report): void {
  const kind = config.method.kind;
  const needsLatents = kind === 'crystal' || kind === 'valr' || (kind === 'livr' && config.method.livr.control !== 'mask_only');
  if (needsLatents && config.latents.count < 1) {
    const why = kind === 'livr' ? 'livr (unless `method.livr.control: mask_only`)' : kind;
    report(['latents', 'count'], 'error', 'semantic.latents', `\`latents.count\` is 0 but method ${why} needs latent tokens: set K ≥ 1 (the papers use 4 to 32)`, '8');
  }
}

function checkMethodBlocks(config: ExperimentConfig, report: Report): void {
  const [lo, hi] = config.method.crystal.corruption.intensity;
  if (lo > hi) {
    report(['method', 'crystal', 'corruption', 'intensity'], 'error', 'semantic.intensity',
      `\`method.crystal.corruption.intensity\` is [low, high] but ${lo} > ${hi}: swap them`, `[${hi}, ${lo}]`);
  }
  const staged = config.method.kind === 'livr' || config.method.kind === 'valr' ? config.method.kind : undefined;
  if (staged) {
    const block = config.method[staged];
    if (block.stage1_epochs + block.stage2_epochs === 0) {
      report(['method', staged, 'stage2_epochs'], 'error', 'semantic.epochs', `\`method.${staged}\` has 0 epochs in total: set \`stage1_epochs\` or \`stage2_epochs\` above 0`, '1');
    }
  }
  if (config.model.finetune.mode === 'lora' && config.model.init_from === undefined) {
    report(['model', 'finetune', 'mode'], 'warning', 'semantic.lora', '`model.finetune.mode: lora` trains adapters on a random model: set `model.init_from` to a pretrained checkpoint, or use mode full', 'full');
  }
}

/** VaLR's evaluation generates (valrGenerate.ts) and computes none of eval.diagnostics: say so where the user asked for them. */
function checkEval(config: ExperimentConfig, report: Report, locator: Locator): void {
  const field: ConfigPath = ['eval', 'diagnostics'];
  if (config.method.kind !== 'valr' || config.eval.diagnostics.length === 0 || !locator.exact(field)) return;
  report(field, 'warning', 'semantic.valr-diagnostics',
    '`eval.diagnostics` are not computed for method valr: its evaluation generates the rationale, latent blocks and answer (docs/valr.md). ' +
    'For accuracy without latents at inference set `method.valr.test_time_steps: [0]`; set `diagnostics: []`', '[]');
}

function checkData(config: ExperimentConfig, report: Report): void {
  if (config.data.source === 'jsonl' && !config.data.jsonl) {
    report(['data', 'source'], 'error', 'semantic.jsonl', '`data.source: jsonl` needs a `data.jsonl` block with `train:` and `image_root:`: add it, or use source synthetic');
  }
  if (config.data.source === 'synthetic' && config.data.jsonl) {
    report(['data', 'jsonl'], 'warning', 'semantic.jsonl-unused', '`data.jsonl` is ignored because `data.source` is synthetic: set `data.source: jsonl` to use it, or delete the block');
  }
}
