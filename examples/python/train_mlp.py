"""A small model trained on random data, on the CPU (--device cuda: a GPU):
the Python code a profile of an ML program should show above torch's frames.
    xpu-perf record /usr/bin/python3.11 examples/python/train_mlp.py --seconds 5
Its work is split between named Python functions (make_batch, forward,
train_step) so that a flame graph can be checked against the source."""
import argparse
import time

import torch
from torch import nn

DEVICE = argparse.ArgumentParser(add_help=False)  # up here: tests pin the lines below
DEVICE.add_argument("--device", default="cpu", help="cpu (default), or cuda")


class MLP(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.hidden = nn.Linear(64, width)
        self.act = nn.ReLU()
        self.out = nn.Linear(width, 10)

    def forward(self, x):
        return self.out(self.act(self.hidden(x)))


def make_batch(batch, device="cpu"):
    x = torch.randn(batch, 64, device=device)
    y = torch.randint(0, 10, (batch,), device=device)
    return x, y


def train_step(model, loss_fn, opt, x, y):
    opt.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    opt.step()
    return loss.item()


def train(seconds, width, batch, device="cpu"):
    torch.manual_seed(0)
    model = MLP(width).to(device)
    loss_fn = nn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    steps = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        x, y = make_batch(batch, device)
        train_step(model, loss_fn, opt, x, y)
        steps += 1
    return steps


def main():
    ap = argparse.ArgumentParser(parents=[DEVICE])
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--width", type=int, default=256)
    ap.add_argument("--batch", type=int, default=128)
    args = ap.parse_args()
    torch.set_num_threads(1)
    steps = train(args.seconds, args.width, args.batch, args.device)
    print(f"{steps} steps")


if __name__ == "__main__":
    main()
