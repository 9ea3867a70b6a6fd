"""SNIP (Lee et al., ICLR 2019; as a NAS proxy, Abdelfattah et al., ICLR 2021): the connection
sensitivity Σ_θ |θ ⊙ ∂L/∂θ| over the weights of the Conv2d and Linear layers, L the mean
cross-entropy of one minibatch (the gradient of the loss with respect to a multiplicative mask
of ones on each weight, which is what the reference code differentiates, is exactly θ ⊙ ∂L/∂θ)."""

from __future__ import annotations

import torch
from torch import nn

from darts_lab.proxy.base import Proxy, layers, loss_gradients


class Snip(Proxy):
    def measure(self, net: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
        grads = loss_gradients(net, images, labels)
        return float(
            sum(
                (layer.weight.detach() * g).abs().sum()
                for layer, g in zip(layers(net), grads, strict=True)
                if g is not None
            )
        )
