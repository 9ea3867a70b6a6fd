"""GraSP (Wang et al., ICLR 2020; as a NAS proxy, Abdelfattah et al., ICLR 2021): Σ_θ −θ ⊙ Hg
over the weights of the Conv2d and Linear layers, g = ∂L/∂θ and H the Hessian of the mean
cross-entropy L of one minibatch (Hg by double backpropagation: the gradient of gᵀ∂L/∂θ with g
held constant). The sign is the reference code's: GraSP prunes the weights with the largest
θ ⊙ Hg, and accuracy was found to fall as that sum grows, so the proxy is its negation."""

from __future__ import annotations

import torch
from torch import nn

from darts_lab.proxy.base import Proxy, layers


class Grasp(Proxy):
    def measure(self, net: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
        weights = [layer.weight for layer in layers(net)]
        loss = nn.functional.cross_entropy(net(images), labels)
        if not loss.requires_grad:
            return 0.0
        grads = torch.autograd.grad(loss, weights, create_graph=True, allow_unused=True)
        used = [(w, g) for w, g in zip(weights, grads, strict=True) if g is not None]
        z = sum((g.detach() * g).sum() for _, g in used)  # gᵀ∂L/∂θ, g held constant
        hg = torch.autograd.grad(z, [w for w, _ in used], allow_unused=True)
        return float(
            sum(
                -(w.detach() * h).sum() for (w, _), h in zip(used, hg, strict=True) if h is not None
            )
        )
