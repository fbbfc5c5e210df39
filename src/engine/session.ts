// Everything built from a resolved config before training or evaluation can
// start: data splits, tokenizer, sequence layout, model and method. Shared by
// run.ts (train, resume) and the eval command, so both see the same model.

import type { ExperimentConfig } from '../core/experiment';
import { tf } from './backend';
import { loadCheckpoint, type HostTensor } from './checkpoint';
import type { Example } from './data/example';
import { Rng } from './data/rng';
import { generateSplits, vocabularySample, type LoadedSplits } from './data/splits';
import { Tokenizer, type TokenizerJson } from './data/tokenizer';
import { causalMask } from './model/masks';
import { toBatchTensors, type EncodedBatch, type SequenceLayout } from './model/sequence';
import { createTinyVlm, type BatchTensors, type TinyVlm } from './model/tinyVlm';
import { loadWeights, readWeights } from './model/weights';
import { methodEntry, type LatentLayout } from './methods';
import type { PreparedBatch, TrainingMethod } from './methods/types';

export interface Session {
  config: ExperimentConfig;
  splits: LoadedSplits;
  tokenizer: Tokenizer;
  layout: SequenceLayout;
  model: TinyVlm;
  method: TrainingMethod<TinyVlm, PreparedBatch>;
  encode(examples: Example[]): EncodedBatch;
  /** Tensors for an encoded batch under a host mask (the caller disposes them with disposeBatch). */
  tensors(enc: EncodedBatch, mask: Float32Array): BatchTensors;
  /** Shuffled training order of an epoch: a pure function of (seed, epoch). */
  epochOrder(epoch: number): number[];
  /** Host copies of every weight (awaited: readback.ts). */
  hostWeights(): Promise<Map<string, HostTensor>>;
  /** Assigns weights by name; strict: every model weight must be present with its shape. */
  loadWeights(weights: Map<string, HostTensor>, strict: boolean): { missing: string[]; unexpected: string[] };
  rngStates(): Record<string, unknown>;
  dispose(): void;
}

export { checkSupported } from './methods';

/**
 * The latent part of the layout a method trains with (the registry's layout: sft and
 * mask_only none, LIVR's image_twice a second image run instead of latents).
 * Every layout ends its prefix with the same `<sep>` the base was pretrained with
 * (sequence.ts), so the answer is never predicted at a latent row.
 */
export function methodLayout(cfg: ExperimentConfig): LatentLayout {
  return methodEntry(cfg).layout(cfg);
}

/**
 * Token rows a method's layout uses that the base's pretraining layout (SFT: `prompt <sep> answer`)
 * does not: untrained in the base, so they must train (under LoRA, as decoder.token_rows).
 */
export function untrainedTokenRows(cfg: ExperimentConfig, tokenizer?: Tokenizer): number[] {
  const structural = methodEntry(cfg).structuralRows;
  // And the words a fine-tune's data added to the base's vocabulary (Tokenizer.extendedWith).
  return [...structural, ...(tokenizer?.grownIds() ?? [])];
}

/** One log line: what trains, with the rows of the embedding tables by name. */
export function describeTrainable(names: string[], tokenizer: Tokenizer, cfg: ExperimentConfig): string {
  const adapters = names.filter((n) => n.endsWith('.lora_a') || n.endsWith('.lora_b')).length;
  const parts: string[] = [];
  if (adapters) parts.push(`${adapters} LoRA matrices`);
  const others = names.filter((n) => !n.endsWith('.lora_a') && !n.endsWith('.lora_b'));
  for (const n of others) {
    if (n === 'decoder.latent_embed') parts.push(`decoder.latent_embed (${cfg.latents.embedding === 'shared' ? '1 shared row' : `${cfg.latents.count} latent rows`})`);
    else if (n === 'decoder.token_rows') {
      const grown = tokenizer.grownIds().length;
      const named = untrainedTokenRows(cfg).map((id) => tokenizer.token(id));
      parts.push(`decoder.token_rows (${[...named, ...(grown ? [`${grown} new word${grown === 1 ? '' : 's'} of the data`] : [])].join(', ')})`);
    }
  }
  const whole = others.filter((n) => n !== 'decoder.latent_embed' && n !== 'decoder.token_rows').length;
  if (whole) parts.push(`${whole} whole weights`);
  return `trains: ${parts.join(', ') || 'nothing'}; everything else frozen`;
}

export interface SessionOptions {
  tokenizerJson?: unknown;       // from a checkpoint (resume, eval)
  log?: (message: string) => void;
}

export async function buildSession(cfg: ExperimentConfig, opts: SessionOptions = {}): Promise<Session> {
  const log = opts.log ?? (() => undefined);
  const splits = await generateSplits(cfg.data, cfg.seed)   // paths are absolute after validation;
  for (const p of splits.problems) log(`data: ${p}`);
  if (splits.train.length === 0) throw new Error('data: the training split is empty; add examples (data.tasks[].train or data.jsonl.train)');

  // Tokenizer: the checkpoint's (resume/eval), else the base model's (init_from), else built from the training split.
  let tokenizer: Tokenizer;
  let base: ReturnType<typeof loadBase> | undefined;
  if (opts.tokenizerJson !== undefined) tokenizer = Tokenizer.fromJSON(opts.tokenizerJson as TokenizerJson);
  else if (cfg.model.init_from) {
    base = loadBase(cfg.model.init_from);
    const grown = Tokenizer.fromJSON(base.tokenizer as TokenizerJson).extendedWith(splits.train);   // new words get new rows
    tokenizer = grown.tokenizer;
    if (grown.added.length) log(`vocabulary: ${grown.added.length} word(s) of the training data are not in the base's vocabulary; they get new embedding rows (ids ${tokenizer.size - grown.added.length}..${tokenizer.size - 1}), trained with the model (under LoRA as decoder.token_rows)`);
  } else if (cfg.kind === 'pretrain' && cfg.data.source === 'synthetic') {
    // A base must know the words of every task it may be fine-tuned on, held-out ones too.
    tokenizer = Tokenizer.fromExamples([...splits.train, ...vocabularySample(cfg.data.image_size, cfg.data.answer_format, cfg.seed)]);
  } else tokenizer = Tokenizer.fromExamples(splits.train);

  const entry = methodEntry(cfg);
  const latent = entry.layout(cfg);
  const patches = (cfg.data.image_size / cfg.model.patch_size) ** 2;
  const T = entry.sequenceLength(cfg, patches, latent);
  const layout: SequenceLayout = { T, patchSize: cfg.model.patch_size, ...latent };
  const model = createTinyVlm(cfg.model, entry.modelLatents(cfg, latent.latentCount), tokenizer.size, T, cfg.seed, cfg.data.image_size, untrainedTokenRows(cfg, tokenizer));

  const session: Session = {
    config: cfg, splits, tokenizer, layout, model,
    method: undefined as unknown as Session['method'],
    encode: (examples) => entry.encode(examples, tokenizer, layout, cfg),
    tensors: (enc, mask) => toBatchTensors(enc, mask),
    epochOrder: (epoch) => Rng.fromSeed(cfg.seed, 'shuffle', String(epoch)).shuffle(splits.train.map((_, i) => i)),
    hostWeights: () => readWeights(model.variables),
    loadWeights: (weights, strict) => {
      // strict (resume, eval): the checkpoint is this model's own; else (init_from) a base may lack
      // adapters and latent rows, and its decoder positions may be of another length.
      const what = strict ? 'checkpoint' : `init_from ${cfg.model.init_from}`;
      const r = loadWeights(model.variables, weights, what, () => !strict, !strict);
      if (strict && r.unexpected.length) throw new Error(`${what}: weights not in this model: ${r.unexpected.join(', ')}`);
      return { missing: [...r.missing, ...r.resized], unexpected: r.unexpected };
    },
    // Shuffling is derived from (seed, epoch) and no method draws random numbers
    // during training yet; the stream is saved so methods that do (CrystaL's
    // corruption) resume exactly.
    rngStates: () => ({ train: trainRng.getState() }),
    dispose: () => model.dispose(),
  };
  const trainRng = Rng.fromSeed(cfg.seed, 'train');
  session.method = await entry.create(session);
  log(describeTrainable([...session.method.trainableVariables(model).keys()], tokenizer, cfg));

  if (base) {
    let loaded: { missing: string[]; unexpected: string[] };
    try {
      loaded = session.loadWeights(base.weights, false);
    } catch (err) {
      session.dispose();   // a base that does not fit must not leave the model's tensors behind
      throw err;
    }
    const { missing, unexpected } = loaded;
    log(`init_from ${cfg.model.init_from}: loaded ${model.variables.size - missing.length} weights` +
      (missing.length ? `; not in the base (kept at init): ${missing.join(', ')}` : '') +
      (unexpected.length ? `; in the base but not in this model (ignored): ${unexpected.join(', ')}` : ''));
  }
  return session;
}

/** The causal-mask batch of some examples: what evaluation and the plain methods feed the model. */
export function causalBatch(session: Session, examples: Example[]): { enc: EncodedBatch; batch: BatchTensors } {
  const enc = session.encode(examples);
  return { enc, batch: session.tensors(enc, causalMask(enc.segments, enc.B, enc.T)) };
}

function loadBase(folder: string): { weights: Map<string, HostTensor>; tokenizer: unknown } {
  const c = loadCheckpoint(folder);
  return { weights: c.weights, tokenizer: c.tokenizer };
}

