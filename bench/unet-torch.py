"""PyTorch twin of src/landslide/unet.ts (Zigui Fig 1 U-Net), for parameter-count and speed comparison.

usage: python3 bench/unet-torch.py count [channels]
       python3 bench/unet-torch.py step <batch> <size> <threads> <steps> [device]
       python3 bench/unet-torch.py serve <batch> <size> <threads> [device]
step prints one JSON object. serve warms up, then runs one step per "step" line on stdin and prints its
milliseconds as one JSON line (so a caller can alternate its own steps with PyTorch's); "quit" ends it. Same architecture as buildUNet: conv3x3(ReLU, he-normal, same) -> dropout ->
conv3x3 per encoder level with 2x2 max-pool between levels; 2x2 stride-2 transposed conv, concatenation
(upsampled first), conv -> dropout -> conv per decoder level; 1x1 head (sigmoid applied to its logits); Adam 1e-3,
BCE from logits.
"""
import json
import sys
import time

import torch
import torch.nn as nn

FILTERS = [16, 32, 64, 128, 256]
ENC_DROP = [0.1, 0.1, 0.2, 0.2, 0.3]
DEC_DROP = [0.2, 0.2, 0.1, 0.1]


def block(cin, cout, p):
    c1 = nn.Conv2d(cin, cout, 3, padding=1)
    c2 = nn.Conv2d(cout, cout, 3, padding=1)
    for c in (c1, c2):
        nn.init.kaiming_normal_(c.weight, nonlinearity="relu")
        nn.init.zeros_(c.bias)
    return nn.Sequential(c1, nn.ReLU(inplace=True), nn.Dropout(p), c2, nn.ReLU(inplace=True))


class UNet(nn.Module):
    def __init__(self, channels=11):
        super().__init__()
        self.enc = nn.ModuleList()
        cin = channels
        for f, p in zip(FILTERS, ENC_DROP):
            self.enc.append(block(cin, f, p))
            cin = f
        self.up = nn.ModuleList()
        self.dec = nn.ModuleList()
        for j, p in zip(range(len(FILTERS) - 2, -1, -1), DEC_DROP):
            f = FILTERS[j]
            self.up.append(nn.ConvTranspose2d(cin, f, 2, stride=2))
            self.dec.append(block(2 * f, f, p))
            cin = f
        self.head = nn.Conv2d(cin, 1, 1)
        self.pool = nn.MaxPool2d(2)

    def forward(self, x):
        skips = []
        for i, e in enumerate(self.enc):
            x = e(x)
            if i < len(self.enc) - 1:
                skips.append(x)
                x = self.pool(x)
        for up, dec in zip(self.up, self.dec):
            x = dec(torch.cat([up(x), skips.pop()], dim=1))
        return self.head(x)  # logits; torch.sigmoid gives the probabilities


def main():
    cmd = sys.argv[1]
    if cmd == "count":
        ch = int(sys.argv[2]) if len(sys.argv) > 2 else 11
        m = UNet(ch)
        print(json.dumps({"params": sum(p.numel() for p in m.parameters()), "torch": torch.__version__}))
        return
    if cmd == "serve":
        batch, size, threads = (int(v) for v in sys.argv[2:5])
        steps = 0
        dev = sys.argv[5] if len(sys.argv) > 5 else "cpu"
    else:
        batch, size, threads, steps = (int(v) for v in sys.argv[2:6])
        dev = sys.argv[6] if len(sys.argv) > 6 else "cpu"
    torch.set_num_threads(threads)
    # cuDNN may use TF32 tensor cores for "fp32" convolutions by default; DLAB_TORCH_TF32=0 forbids it.
    import os
    tf32 = os.environ.get("DLAB_TORCH_TF32", "1") != "0"
    torch.backends.cudnn.allow_tf32 = tf32
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.manual_seed(0)
    m = UNet(11).to(dev)
    opt = torch.optim.Adam(m.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.BCEWithLogitsLoss()  # as tfjs training: loss from the head's logits
    x = torch.rand(batch, 11, size, size, device=dev)
    y = (torch.rand(batch, 1, size, size, device=dev) > 0.9).float()

    def step():
        opt.zero_grad()
        loss = loss_fn(m(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    step()  # warm-up
    if cmd == "serve":
        print(json.dumps({"ready": True, "torch": torch.__version__}), flush=True)
        for line in sys.stdin:
            if line.strip() != "step":
                break
            t0 = time.perf_counter()
            step()
            if dev != "cpu":
                torch.cuda.synchronize()
            print(json.dumps({"ms": (time.perf_counter() - t0) * 1000}), flush=True)
        return
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        if dev != "cpu":
            torch.cuda.synchronize()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    print(json.dumps({"batch": batch, "size": size, "threads": threads, "device": dev, "tf32": tf32 if dev != "cpu" else None, "msPerStep": times[len(times) // 2], "all": times, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
