#!/usr/bin/python3
"""PyTorch twin of Latent Lab's own tiny-vlm (docs/model.md), on the weights and the
batch the engine dumped (bench/twinDump.ts): the same training step (LoRA forward with
the additive mask, answer CE, backward into the trainable weights only, global-norm
clip, AdamW on matrices) and greedy decoding with a KV cache.
Run by bench/engine-step.ts; alone:
  /usr/bin/python3 bench/torch_engine_step.py DIR [--mode train|gen] [--threads 2] [--steps 10] [--cache-vision]
Install: apt-get install -y python3-torch libopenblas0-pthread libjemalloc2. Run fairly:
  LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread (OpenBLAS, not reference BLAS)
  OPENBLAS_NUM_THREADS=<threads> (OpenBLAS otherwise starts a thread per core)
  LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2 MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1
    (glibc malloc, and jemalloc's default decay, hand memory back every step: much slower here)
  OMP_WAIT_POLICY=PASSIVE (no spinning threads on a shared 2-core machine)
"""
import argparse, json, math, os, statistics, sys, time
import torch
import torch.nn.functional as F

ap = argparse.ArgumentParser()
ap.add_argument('dir')
ap.add_argument('--mode', default='train')
ap.add_argument('--threads', type=int, default=2)
ap.add_argument('--warmup', type=int, default=2)
ap.add_argument('--steps', type=int, default=10)
ap.add_argument('--gen-tokens', type=int, default=16)
ap.add_argument('--cache-vision', action='store_true', help='frozen vision path run once (as the engine caches it)')
a = ap.parse_args()
torch.set_num_threads(a.threads)

meta = json.load(open(os.path.join(a.dir, 'twin.json')))
blob = torch.from_numpy(__import__('numpy').fromfile(os.path.join(a.dir, 'twin.bin'), dtype='float32'))
def view(e): n = math.prod(e['shape']); return blob[e['offset']:e['offset'] + n].reshape(e['shape']).clone()
W = {w['name']: view(w) for w in meta['weights']}
trainable = [w['name'] for w in meta['weights'] if w['trainable']]
for n, t in W.items(): t.requires_grad_(n in trainable)
X = {k: view(e) for k, e in meta['tensors'].items()}
m = meta['model']
d, heads, V, T, P = m['d_model'], m['heads'], m['vocab'], m['T'], m['P']
lora = meta['lora']
scale = lora['alpha'] / lora['rank'] if lora else 0.0
SEG_IMAGE, SEG_LATENT = 1, 2

def lin(x, name):
    y = x @ W[name + '.weight']
    if name + '.lora_a' in W: y = y + scale * ((x @ W[name + '.lora_a']) @ W[name + '.lora_b'])
    b = W.get(name + '.bias')
    return y + b if b is not None else y

def gelu(x): return F.gelu(x, approximate='tanh')
def ln(x, name): return F.layer_norm(x, (x.shape[-1],), W[name + '.weight'], W[name + '.bias'], 1e-5)

def attn(x, name, h, mask, cache=None):
    B, L, D = x.shape
    dh = D // h
    sp = lambda t: t.view(B, -1, h, dh).transpose(1, 2)
    q, k, v = sp(lin(x, name + '.q')), sp(lin(x, name + '.k')), sp(lin(x, name + '.v'))
    if cache is not None:
        if name in cache: k, v = torch.cat([cache[name][0], k], 2), torch.cat([cache[name][1], v], 2)
        cache[name] = (k, v)
    s = (q @ k.transpose(-1, -2)) / math.sqrt(dh)
    if mask is not None: s = s + mask
    ctx = torch.softmax(s, -1) @ v
    return lin(ctx.transpose(1, 2).reshape(B, L, D), name + '.o')

def block(x, name, h, mask, cache=None):
    x = x + attn(ln(x, name + '.ln1'), name + '.attn', h, mask, cache)
    return x + lin(gelu(lin(ln(x, name + '.ln2'), name + '.mlp.in')), name + '.mlp.out')

def vision(patches):
    x = (patches - 0.5) * 4 if m['pixel_norm'] == 'center' else patches
    x = lin(x, 'vision.patch_embed') + W['vision.pos_embed']
    for i in range(m['vision_layers']): x = block(x, f'vision.blocks.{i}', m['vision_heads'], None)
    x = ln(x, 'vision.ln_f')
    return lin(gelu(lin(x, 'projector.in')), 'projector.out')          # [B, P, d]

seg = X['segments'].long(); tok = X['tokens'].long()
B = seg.shape[0]
latent_index = torch.zeros_like(seg)                                    # k-th latent of its run
for b in range(B):
    k = -1
    for t in range(T):
        if seg[b, t] == SEG_LATENT: k = k + 1 if t > 0 and seg[b, t - 1] == SEG_LATENT else 0; latent_index[b, t] = k
        else: k = -1
img_start = int((seg[0] == SEG_IMAGE).nonzero()[0])

def embed(image_tokens, t0=0, t1=T):
    s, ids = seg[:, t0:t1], tok[:, t0:t1]
    x = W['decoder.token_embed'][ids] * ((s != SEG_IMAGE) & (s != SEG_LATENT)).unsqueeze(-1)
    if 'decoder.latent_embed' in W:
        x = x + W['decoder.latent_embed'][latent_index[:, t0:t1]] * (s == SEG_LATENT).unsqueeze(-1)
    full = torch.zeros(B, T, d); full[:, img_start:img_start + P] = image_tokens
    return x + full[:, t0:t1] + W['decoder.pos_embed'][t0:t1]

def logits_of(x): return ln(x, 'decoder.ln_f') @ W['decoder.token_embed'].t()

cached_vision = None
def image_tokens():
    global cached_vision
    if a.cache_vision and cached_vision is not None: return cached_vision
    with torch.no_grad(): out = vision(X['patches'])
    if a.cache_vision: cached_vision = out
    return out

def train_step(opt):
    x = embed(image_tokens())
    for i in range(m['layers']): x = block(x, f'decoder.blocks.{i}', heads, X['mask'])
    logp = torch.log_softmax(logits_of(x).reshape(B * T, V), -1)
    w = X['loss_weights'].reshape(-1)
    loss = -(logp.gather(1, X['targets'].long().reshape(-1, 1)).squeeze(1) * w).sum() / w.sum().clamp(min=1)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    if meta['grad_clip'] > 0: torch.nn.utils.clip_grad_norm_([W[n] for n in trainable], meta['grad_clip'])
    opt.step()
    return loss.item()

def timed(f):
    t0, c0 = time.perf_counter(), time.process_time()
    r = f()
    return r, (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000

if a.mode == 'train':
    o = meta['optimizer']
    decay = [W[n] for n in trainable if W[n].dim() >= 2]; rest = [W[n] for n in trainable if W[n].dim() < 2]
    opt = torch.optim.AdamW([{'params': decay, 'weight_decay': o['weight_decay']}, {'params': rest, 'weight_decay': 0.0}],
                            lr=o['lr'], betas=(o['beta1'], o['beta2']), eps=1e-8)
    first = None; ms = []; cpu = []
    for i in range(a.warmup + a.steps):
        loss, wall, c = timed(lambda: train_step(opt))
        if i == 0: first = loss
        if i >= a.warmup: ms.append(wall); cpu.append(c)
    print(json.dumps({'mode': 'train', 'ms': statistics.median(ms), 'cpu_ms': statistics.median(cpu), 'min_ms': min(ms), 'min_cpu_ms': min(cpu), 'first_loss': first,
                      'threads': a.threads, 'cache_vision': a.cache_vision, 'torch': torch.__version__}))
else:
    # Greedy decoding with a KV cache: the prefix (up to the longest prompt) once, then one position per token for every row.
    prefix = int((seg != 4).sum(1).max())
    with torch.no_grad():
        def run(t0, t1, cache):
            x = embed(image_tokens(), t0, t1)
            mask = torch.zeros(1, 1, t1 - t0, t1); mask[0, 0, :, t0:] = torch.full((t1 - t0, t1 - t0), -1e9).triu(1)   # causal
            for i in range(m['layers']): x = block(x, f'decoder.blocks.{i}', heads, mask, cache)
            return logits_of(x[:, -1]).argmax(-1)
        per_token = []; prefix_ms = []
        for r in range(a.warmup + 3):
            cache = {}
            _, wall, _ = timed(lambda: run(0, prefix, cache)); prefix_ms.append(wall)
            for t in range(prefix, min(T, prefix + a.gen_tokens)):
                _, wall, _ = timed(lambda: run(t, t + 1, cache))
                if r >= a.warmup: per_token.append(wall)
    print(json.dumps({'mode': 'gen', 'ms_per_token': statistics.median(per_token), 'prefix_ms': statistics.median(prefix_ms[a.warmup:]),
                      'B': B, 'prefix': prefix, 'threads': a.threads, 'torch': torch.__version__}))
