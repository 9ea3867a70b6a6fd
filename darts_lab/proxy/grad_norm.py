"""grad_norm (Abdelfattah et al., ICLR 2021): Σ over the Conv2d and Linear layers of the
Euclidean (Frobenius) norm of the layer's weight gradient ∂L/∂W, L the mean cross-entropy of one
minibatch; one norm per layer, summed (not the norm of all gradients together)."""

from __future__ import annotations

import torch
from torch import nn

from darts_lab.proxy.base import Proxy, loss_gradients


class GradNorm(Proxy):
    def measure(self, net: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
        grads = loss_gradients(net, images, labels)
        return float(sum(g.norm() for g in grads if g is not None))
