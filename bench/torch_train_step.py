#!/usr/bin/python3
"""PyTorch CPU twin of the reference model in bench/train-step.ts (identical shapes & ops;
GELU in its tanh form, as Latent Lab's model). Run by bench/train-step.ts, or alone:
/usr/bin/python3 bench/torch_train_step.py [--mode single|dual] [--threads 2] [--warmup 3] [--steps 20]
Install: apt-get install -y python3-torch libopenblas0-pthread
Debian's python3-torch links the system libblas.so.3 (reference BLAS by default);
run with LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread for OpenBLAS.
"""
import argparse, json, math, os, resource, statistics, time
import torch
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument('--mode', default='single')
p.add_argument('--threads', type=int, default=2)
p.add_argument('--warmup', type=int, default=3)
p.add_argument('--steps', type=int, default=20)
p.add_argument('--B', type=int, default=16)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)

V, D, L, H, FF, T, NIMG, IMG, PATCH, C, NANS, NLAT = 64, 128, 4, 4, 512, 96, 64, 32, 4, 3, 8, 16
B = a.B
dh = D // H
PD = PATCH * PATCH * C
NTXT = T - NIMG

params = {}
def P(name, shape, std):
    t = torch.zeros(shape) if std == 0 else torch.ones(shape) if std == 1 else torch.randn(shape) * std
    params[name] = t.requires_grad_()
P('patch_w', (PD, D), 0.02); P('patch_b', (D,), 0)
P('tok_emb', (V, D), 0.02); P('pos_emb', (T, D), 0.02)
for l in range(L):
    P(f'l{l}_ln1_g', (D,), 1); P(f'l{l}_ln1_b', (D,), 0)
    for n in 'qkvo':
        P(f'l{l}_w{n}', (D, D), 0.02); P(f'l{l}_b{n}', (D,), 0)
    P(f'l{l}_ln2_g', (D,), 1); P(f'l{l}_ln2_b', (D,), 0)
    P(f'l{l}_w1', (D, FF), 0.02); P(f'l{l}_b1', (FF,), 0)
    P(f'l{l}_w2', (FF, D), 0.02); P(f'l{l}_b2', (D,), 0)
P('lnf_g', (D,), 1); P('lnf_b', (D,), 0)
P('w_out', (D, V), 0.02)
pr = params

def lin(x, w, b=None):
    y = x @ w
    return y + b if b is not None else y

def ln(x, g, b):
    return F.layer_norm(x, (D,), g, b, 1e-5)

def forward(patches, tok_ids, mask):
    img = lin(patches, pr['patch_w'], pr['patch_b'])
    txt = pr['tok_emb'][tok_ids]  # gather (embedding)
    x = torch.cat([img, txt], 1) + pr['pos_emb']
    attn = []
    for l in range(L):
        h = ln(x, pr[f'l{l}_ln1_g'], pr[f'l{l}_ln1_b'])
        heads = lambda t: t.view(B, T, H, dh).transpose(1, 2)
        q = heads(lin(h, pr[f'l{l}_wq'], pr[f'l{l}_bq']))
        k = heads(lin(h, pr[f'l{l}_wk'], pr[f'l{l}_bk']))
        v = heads(lin(h, pr[f'l{l}_wv'], pr[f'l{l}_bv']))
        probs = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(dh) + mask, -1)
        attn.append(probs)
        ctx = (probs @ v).transpose(1, 2).reshape(B, T, D)
        x = x + lin(ctx, pr[f'l{l}_wo'], pr[f'l{l}_bo'])
        h = ln(x, pr[f'l{l}_ln2_g'], pr[f'l{l}_ln2_b'])
        x = x + lin(F.gelu(lin(h, pr[f'l{l}_w1'], pr[f'l{l}_b1']), approximate='tanh'), pr[f'l{l}_w2'], pr[f'l{l}_b2'])
    x = ln(x, pr['lnf_g'], pr['lnf_b'])
    logits = lin(x[:, T - NANS:], pr['w_out']).reshape(B * NANS, V)
    return logits, attn

# data
g = torch.Generator().manual_seed(42)
imgs = torch.rand(B, IMG, IMG, C, generator=g) * 2 - 1
gg = IMG // PATCH
patches = imgs.view(B, gg, PATCH, gg, PATCH, C).permute(0, 1, 3, 2, 4, 5).reshape(B, NIMG, PD).contiguous()
tok_ids = torch.randint(0, V, (B, NTXT), generator=g)
tgt = torch.randint(0, V, (B * NANS,), generator=g)
NEG = -1e9
m = torch.full((T, T), NEG)
for i in range(T):
    for j in range(T):
        ok = (j < NIMG) if i < NIMG else (j <= i)
        if ok: m[i, j] = 0
mb = m.clone(); mb[T - NANS:, :NIMG] = NEG
maskA = m.expand(B, 1, T, T).contiguous(); maskB = mb.expand(B, 1, T, T).contiguous()

opt = torch.optim.Adam(list(params.values()), lr=1e-3)

def loss_single():
    logits, _ = forward(patches, tok_ids, maskA)
    return F.cross_entropy(logits, tgt)

def loss_dual():
    la, aa = forward(patches, tok_ids, maskA)
    lb, ab = forward(patches, tok_ids, maskB)
    lpa, lpb = F.log_softmax(la, -1), F.log_softmax(lb, -1)
    kl = (lpa.exp() * (lpa - lpb)).sum(-1).mean()
    frob = sum(((x[:, :, T - NANS:, NIMG:NIMG + NLAT] - y[:, :, T - NANS:, NIMG:NIMG + NLAT]) ** 2).sum() for x, y in zip(aa, ab)) / B
    return F.cross_entropy(la, tgt) + F.cross_entropy(lb, tgt) + kl + frob

lossf = loss_dual if a.mode == 'dual' else loss_single
times, losses = [], []
for i in range(a.warmup + a.steps):
    t0 = time.perf_counter()
    opt.zero_grad(set_to_none=True)
    loss = lossf()
    loss.backward()
    opt.step()
    lv = loss.item()
    dt = (time.perf_counter() - t0) * 1e3
    losses.append(round(lv, 4))
    if i >= a.warmup: times.append(dt)
zero = [k for k, v in params.items() if v.grad is None or not torch.isfinite(v.grad).all() or v.grad.abs().sum() == 0]
blas = 'unknown'
try:
    with open('/proc/self/maps') as f:
        libs = {l.split()[-1] for l in f if 'blas' in l}
    blas = ','.join(sorted(os.path.basename(x) for x in libs))
except Exception:
    pass
print('RESULT ' + json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'mode': a.mode, 'B': B,
    'stepMsMedian': round(statistics.median(times), 1), 'stepMsMin': round(min(times), 1), 'losses': [losses[0], losses[-1]],
    'maxRssMB': round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1), 'zeroGrads': zero, 'blasLibs': blas,
    'numParams': sum(v.numel() for v in params.values())}))
