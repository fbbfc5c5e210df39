# Loads a Latent Lab safetensors export with struct + json + torch.frombuffer only
# (no safetensors package) and prints each tensor's sum, so the numbers can be
# compared with the checkpoint in another framework.
#   latent-lab export RUN_DIR --format safetensors --out /tmp/w.safetensors
#   /usr/bin/python3 bench/dual-path-safetensors-check.py /tmp/w.safetensors [NAME]
import json
import struct
import sys

import torch


def load(path):
    with open(path, 'rb') as f:
        raw = f.read()
    (n,) = struct.unpack('<Q', raw[:8])
    header = json.loads(raw[8:8 + n].decode('utf-8'))
    meta = header.pop('__metadata__', {})
    data = bytearray(raw[8 + n:])
    tensors = {}
    for name, e in header.items():
        assert e['dtype'] == 'F32', f'{name}: dtype {e["dtype"]}'
        begin, end = e['data_offsets']
        t = torch.frombuffer(data, dtype=torch.float32, offset=begin, count=(end - begin) // 4)
        tensors[name] = t.reshape(e['shape'])
    return tensors, meta


if __name__ == '__main__':
    tensors, meta = load(sys.argv[1])
    names = sys.argv[2:] or sorted(tensors)
    for name in names:
        t = tensors[name]
        print(f'{name} {list(t.shape)} sum {t.double().sum().item():.9g}')
    print(f'{len(tensors)} tensors; metadata keys: {sorted(meta)}')
