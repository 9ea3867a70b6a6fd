"""ZiCo (Li et al., "Zero-shot NAS via Inverse Coefficient of Variation on Gradients", ICLR
2023): Σ over the Conv2d and Linear layers of log Σ_θ mean|g_θ| / std(g_θ), g_θ the gradient of
the mean cross-entropy with respect to weight θ on each of several batches (std over the batches,
population form; weights whose gradient does not vary are left out, as is a layer whose sum is
0). Here the minibatch is split into `splits` equal parts; the reference code takes that many
batches from the loader (two, in its NAS-Bench-201 scripts)."""

from __future__ import annotations

import math

import torch
from torch import nn

from darts_lab.proxy.base import Proxy, layers, loss_gradients


class Zico(Proxy):
    def __init__(self, splits: int = 2) -> None:
        self.splits = splits

    def measure(self, net: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
        per_split = [
            loss_gradients(net, x, y)
            for x, y in zip(images.chunk(self.splits), labels.chunk(self.splits), strict=True)
        ]
        total = 0.0
        for i in range(len(layers(net))):
            grads = [split[i] for split in per_split]
            if any(g is None for g in grads):
                continue
            stacked = torch.stack([g.flatten().double() for g in grads])
            std, mean = stacked.std(0, unbiased=False), stacked.abs().mean(0)
            ratio = (mean[std > 0] / std[std > 0]).sum()
            if ratio > 0:
                total += math.log(float(ratio))
        return total
