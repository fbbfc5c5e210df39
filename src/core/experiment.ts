// The resolved, validated experiment: what the schema describes and what runs.
// Field names mirror the YAML (snake_case) so a config path in an error message
// is the path the user typed. Every default lives in schemas/experiment.schema.json
// and is applied by the validator; code downstream never re-defaults a field.

/** runtime.backend's values, in auto's order after `auto` (the schema's enum lists the same). */
export const BACKEND_NAMES = ['auto', 'tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export type ExperimentKind = 'train' | 'pretrain';
export type MethodKind = 'sft' | 'livr' | 'crystal' | 'valr';

export type SyntheticTaskName =
  | 'counting'          // how many objects of a colour
  | 'spatial_relation'  // is A left/right/above/below B
  | 'localization'      // which numbered box holds the object
  | 'jigsaw'            // which arrangement restores the image
  | 'correspondence'    // which marked point in the right half matches the left one
  | 'similarity'        // which candidate matches the reference
  | 'small_object'      // attribute of a small object in a large image (V*/HRBench analogue)
  // Easy perception curricula used by pretraining.
  | 'colour'            // colour of the single object
  | 'shape'             // shape of the single object
  | 'position'          // coarse position (quadrant) of the single object
  | 'presence'          // is there a <colour> <shape>
  | 'comparison'        // are there more red or blue
  | 'caption'           // short description of the scene
  | 'find';             // where is the red object, among several (quadrant)

export const SYNTHETIC_TASKS: readonly SyntheticTaskName[] = [
  'counting', 'spatial_relation', 'localization', 'jigsaw', 'correspondence', 'similarity', 'small_object',
  'colour', 'shape', 'position', 'presence', 'comparison', 'caption', 'find',
];

export interface TaskSpec {
  name: SyntheticTaskName;
  train: number;  // examples
  val: number;
  test: number;
}

export interface JsonlSpec {
  train: string;        // path, relative to the experiment file
  val?: string;
  test?: string;
  image_root: string;   // folder the `image` fields are relative to
  on_error: 'skip' | 'fail';
}

export interface DataConfig {
  source: 'synthetic' | 'jsonl';
  image_size: number;              // H = W, pixels
  answer_format: 'multiple_choice' | 'open';
  tasks: TaskSpec[];               // source: synthetic
  jsonl?: JsonlSpec;               // source: jsonl
  max_text_tokens: number;         // prompt + answer + rationale budget per example
}

export type LoraTarget = 'attn_q' | 'attn_k' | 'attn_v' | 'attn_o' | 'mlp_in' | 'mlp_out';

export interface ModelConfig {
  patch_size: number;       // p
  pixel_norm: 'none' | 'center';  // center: (x − 0.5) / 0.25 before the patch embedding
  stem_channels: number;    // C of the 3×3 conv stem before the patch embedding; 0 = none
  init: 'gpt2' | 'fan_in';  // how the blocks' and the projector's linear weights start
  patch_init_std: number;   // init std of vision.patch_embed.weight
  vision_pos_init_std: number;  // init std of vision.pos_embed
  d_vision: number;         // d_v
  vision_layers: number;    // n_v
  vision_heads: number;
  d_model: number;          // d
  layers: number;           // n
  heads: number;            // h
  mlp_ratio: number;        // MLP width = mlp_ratio * d
  init_from?: string;       // checkpoint folder (absolute after validation)
  finetune: {
    mode: 'full' | 'lora';
    lora: { rank: number; alpha: number; targets: LoraTarget[] };
    freeze_vision: boolean;
    freeze_projector: boolean;
  };
}

export interface LatentsConfig {
  count: number;                                  // K
  embedding: 'unshared' | 'shared';
  placement: 'after_prompt' | 'before_prompt' | 'interleaved';  // interleaved: VaLR, before each reasoning step
  feedback: 'embedding' | 'hidden_state';         // hidden_state: Coconut-style continuous feedback
}

export type LivrMask = 'answer_only' | 'answer_and_prompt' | 'answer_prompt_latent_to_prompt';
export type LivrControl = 'none' | 'latents_only' | 'mask_only' | 'prompt_tuning';

export interface LivrConfig {
  mask: LivrMask;
  stage1_epochs: number;   // bottleneck mask
  stage2_epochs: number;   // standard causal mask
  control: LivrControl;
  image_twice: boolean;    // control: image tokens repeated instead of latents
}

export type CorruptionMode = 'blur' | 'mask' | 'jigsaw' | 'color' | 'noise' | 'impulse';

export interface CrystalConfig {
  corruption: {
    modes: CorruptionMode[];                 // one: fixed; several: sampled per example
    intensity: [number, number];             // uniform range in [0, 1]
  };
  weights: { ce_intact: number; ce_corrupted: number; kl: number; attention: number };
  alignment_layers: number[] | 'all';
  alignment_target: 'answer_to_latents' | 'answer_to_all';
  distance: 'frobenius' | 'kl';
  teacher_stop_gradient: boolean;            // KL target p_intact is detached
  transplant_stop_gradient: boolean;         // copied latent states are detached
}

export type RepaEncoderKind = 'own' | 'color_stats' | 'edge_orientation' | 'tfjs_model';

export interface ValrConfig {
  max_steps: number;                         // reasoning steps used from the rationale
  repa: {
    enabled: boolean;
    layer: 'front' | 'middle' | 'last' | number;
    weight: number;                          // λ
    encoders: { kind: RepaEncoderKind; path?: string }[];
    projector_hidden: number;
  };
  stage1_epochs: number;                     // plain CoT SFT
  stage2_epochs: number;                     // latents + REPA
  test_time_reasoning_steps: number[];       // the paper's test-time-scaling axis: most reasoning steps N' at inference
  test_time_steps: number[];                 // secondary axis: latent tokens per step K' tried at inference
}

/** Plain SFT's own switches (pretraining is SFT too). */
export interface SftConfig {
  vision_probe: { weight: number; tasks: string[] };   // auxiliary per-task heads on the mean image token
  filler_latents: number;   // pretraining: each example gets k ∈ [0, N] latent rows after its prompt
  rationales: SftRationales;
  grounding: SftGrounding;
  patch_probe: { weight: number; count_weight: number };   // auxiliary per-patch colour, shape, position (and kind-count) heads on every image token
}

/** Pretraining: the answer row's attention in `layers` (first `heads` heads) is pulled onto the named object's patches. */
export interface SftGrounding { weight: number; layers: number[]; heads: number }

/** Pretraining: a share of examples writes its rationale (plain CoT, or VaLR blocks of k ≤ latents_per_step latents). */
export interface SftRationales { share: number; latents_per_step: number; max_steps: number }

export interface MethodConfig {
  kind: MethodKind;
  sft: SftConfig;
  livr: LivrConfig;
  crystal: CrystalConfig;
  valr: ValrConfig;
}

export interface TrainConfig {
  epochs: number;
  batch_size: number;
  optimizer: { kind: 'adamw' | 'adam' | 'sgd'; lr: number; weight_decay: number; beta1: number; beta2: number };
  schedule: { kind: 'constant' | 'cosine' | 'linear'; warmup_steps: number };
  grad_clip: number;              // global norm; 0 disables
  checkpoint_every: number;       // steps; 0: only at the end
  log_every: number;              // steps
  max_steps: number;              // 0: no cap (epochs decide)
}

export type EvalDiagnostic = 'drop_latents' | 'bottleneck_mask' | 'corrupted_images' | 'answer_latent_attention' | 'answer_object_attention' | 'latent_swap' | 'latent_diversity' | 'latent_sensitivity';

export interface EvalConfig {
  every: number;                  // steps; 0: only at the end
  split: 'val' | 'test';
  max_examples: number;           // per task; 0: all
  diagnostics: EvalDiagnostic[];
  capture: { examples: number; layers: number[] | 'all' };
}

export interface SweepConfig {
  fields: Record<string, unknown[]>;   // dotted path -> values
  seeds: number[];
}

/** `cluster:`: how `latent-lab submit` schedules the sweep (docs/cluster.md); never what a run trains. */
export interface ClusterConfig {
  partition?: string;
  time?: string;                  // SLURM format: MM, HH:MM:SS, D-HH:MM:SS
  cpus_per_task?: number;
  gpus?: number;
  mem?: string;                   // e.g. 8G
  max_parallel?: number;
  sbatch?: string[];              // extra #SBATCH options
  setup?: string[];               // shell lines before the CLI
  image?: string;                 // container image (Kubernetes)
}

export interface ExperimentConfig {
  name: string;
  kind: ExperimentKind;
  seed: number;
  runtime: { backend: BackendName; threads: number; native_kernels: 'auto' | 'on' | 'off' };
  data: DataConfig;
  model: ModelConfig;
  latents: LatentsConfig;
  method: MethodConfig;
  train: TrainConfig;
  eval: EvalConfig;
  output: { runs_dir: string };        // absolute after validation
  sweep?: SweepConfig;
  cluster?: ClusterConfig;
}
