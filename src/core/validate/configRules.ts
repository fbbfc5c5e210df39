// Rules a schema-valid config can still break that concern what a method or the
// data can run: one definition each. The validator reports them with the field's
// position (semantic.ts), so the editor shows them as you type; the engine asserts
// the same rules (assertConfigRules) for configs that did not come through it, and
// keeps no copy of its own.
import type { ExperimentConfig, MethodKind } from '../experiment';
import type { Severity } from '../problems';
import { MIN_IMAGE_SIZE } from '../taskImageSizes';
import type { ConfigPath } from './sourceMap';

export interface ConfigRuleBreak {
  field: ConfigPath;
  severity: Severity;
  code: string;
  message: string;
  fix?: string;
}

type Rule = (config: ExperimentConfig) => ConfigRuleBreak | ConfigRuleBreak[] | undefined;

/** Rules of the latent layout each method runs. */
const layoutRules: Rule[] = [
  (c) => c.latents.placement === 'interleaved' && c.method.kind !== 'valr' ? {
    field: ['latents', 'placement'], severity: 'error', code: 'semantic.placement', fix: 'after_prompt',
    message: `\`latents.placement: interleaved\` puts latents before each reasoning step, which only method valr does: use after_prompt for ${c.method.kind}`,
  } : undefined,
  (c) => c.method.kind === 'valr' && c.latents.placement !== 'interleaved' ? {
    field: ['latents', 'placement'], severity: 'error', code: 'semantic.placement', fix: 'interleaved',
    message: `method valr puts its latents before each reasoning step, but \`latents.placement\` is ${c.latents.placement}: set \`latents.placement: interleaved\``,
  } : undefined,
  (c) => c.latents.feedback === 'hidden_state' && c.method.kind !== 'valr' ? {
    field: ['latents', 'feedback'], severity: 'error', code: 'semantic.feedback', fix: 'embedding',
    message: `\`latents.feedback: hidden_state\` (the previous hidden state as the next latent's input) is VaLR's latent mode; method ${c.method.kind} reads learned latent rows: use embedding`,
  } : undefined,
];

/** Rules of one method's own block, checked only when `method.kind` names it. */
const methodRules: Partial<Record<MethodKind, Rule[]>> = {
  sft: [
    (c) => {
      const probe = c.method.sft.vision_probe;
      if (probe.weight === 0) return undefined;
      const named = new Set<string>(c.data.source === 'synthetic' ? c.data.tasks.map((t) => t.name) : []);
      return probe.tasks.flatMap((task, i): ConfigRuleBreak[] => named.has(task) ? [] : [{
        field: ['method', 'sft', 'vision_probe', 'tasks', i], severity: 'error', code: 'semantic.vision-probe-task',
        message: c.data.source === 'synthetic'
          ? `\`method.sft.vision_probe.tasks\`: ${task} is not one of data.tasks (${[...named].join(', ')}): a probe head learns from that task's examples; add the task or remove it here`
          : `\`method.sft.vision_probe\` reads the answers of synthetic tasks; data.source is ${c.data.source}: set weight 0`,
      }]);
    },
    (c) => {
      const g = c.method.sft.grounding;
      if (g.weight === 0) return undefined;
      if (c.data.source !== 'synthetic') {
        return {
          field: ['method', 'sft', 'grounding', 'weight'], severity: 'error', code: 'semantic.grounding-source',
          message: `\`method.sft.grounding\` reads the object boxes the synthetic tasks draw; data.source is ${c.data.source}, whose examples have none: set weight 0`,
        };
      }
      return g.heads > c.model.heads ? {
        field: ['method', 'sft', 'grounding', 'heads'], severity: 'error', code: 'semantic.grounding-heads',
        message: `\`method.sft.grounding.heads\` is ${g.heads} but each decoder layer has ${c.model.heads} heads (\`model.heads\`): use at most ${c.model.heads}`,
      } : undefined;
    },
  ],
  crystal: [
    (c) => Object.values(c.method.crystal.weights).every((w) => w === 0) ? {
      field: ['method', 'crystal', 'weights'], severity: 'error', code: 'semantic.crystal-weights',
      message: '`method.crystal.weights`: every weight is 0, so nothing trains: give at least one of ce_intact, ce_corrupted, kl, attention a positive weight',
    } : undefined,
  ],
  valr: [
    (c) => {
      const kinds = c.method.valr.repa.encoders.map((e) => e.kind);
      const second = kinds.indexOf('own', kinds.indexOf('own') + 1);
      return second >= 0 ? {
        field: ['method', 'valr', 'repa', 'encoders', second, 'kind'], severity: 'error', code: 'semantic.repa-own',
        message: '`method.valr.repa.encoders` lists kind own twice: the frozen copy of the model\'s encoder exists once; delete this entry',
      } : undefined;
    },
  ],
};

/** Rules of the synthetic data: every task drawable at the image size, the evaluated split not empty. */
const dataRules: Rule[] = [
  (c) => c.data.source !== 'synthetic' ? undefined : c.data.tasks.flatMap((t, i): ConfigRuleBreak[] => {
    const min = MIN_IMAGE_SIZE[t.name];
    return c.data.image_size >= min ? [] : [{
      field: ['data', 'tasks', i, 'name'], severity: 'error', code: 'semantic.task-size',
      message: `task ${t.name} needs \`data.image_size\` ≥ ${min} to draw its objects legibly (it is ${c.data.image_size}): raise \`data.image_size\` or drop the task`,
    }];
  }),
  (c) => {
    const split = c.eval.split;
    if (c.data.source !== 'synthetic' || c.data.tasks.some((t) => t[split] > 0)) return undefined;
    return {
      field: ['eval', 'split'], severity: 'error', code: 'semantic.eval-split', fix: split === 'val' ? 'test' : 'val',
      message: `\`eval.split: ${split}\` but every task has \`${split}: 0\`, so there is nothing to evaluate: give a task ${split} examples or choose the other split`,
    };
  },
];

/** Every rule break of `config` (schema-valid, defaults filled). */
export function configRuleBreaks(config: ExperimentConfig): ConfigRuleBreak[] {
  const rules = [...layoutRules, ...(methodRules[config.method.kind] ?? []), ...dataRules];
  return rules.flatMap((rule) => {
    const r = rule(config);
    return r === undefined ? [] : Array.isArray(r) ? r : [r];
  });
}

/** The engine's assertion: throws the first error-severity break (a config the validator would have refused). */
export function assertConfigRules(config: ExperimentConfig): void {
  const broken = configRuleBreaks(config).find((r) => r.severity === 'error');
  if (!broken) return;
  const field = broken.field.join('.');
  const message = broken.message.replace(/`/g, '');
  throw new Error(message.startsWith(field) ? message : `${field}: ${message}`);
}
