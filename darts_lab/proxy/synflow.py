"""SynFlow (Tanaka et al., NeurIPS 2020; as a NAS proxy, Abdelfattah et al., ICLR 2021): the
"synaptic flow" Σ_θ |θ ⊙ ∂R/∂θ| of the network with every parameter replaced by its absolute
value, R the sum of the outputs for an input of all ones. It uses no data and no labels.

As the reference code computes it: in float64 (R grows with depth), with BatchNorm switched off
(each BatchNorm layer passes its input through unchanged: no batch statistics of an all-ones
input), one input image, summed over the weights of the Conv2d and Linear layers."""

from __future__ import annotations

import torch
from torch import nn

from darts_lab.proxy.base import Proxy, layers, working_copy


class Synflow(Proxy):
    def measure(self, net: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
        net = working_copy(net).double()
        with torch.no_grad():
            for value in net.state_dict().values():
                if value.is_floating_point():
                    value.abs_()
        for module in net.modules():
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                module.forward = lambda x: x  # type: ignore[method-assign]
        ones = torch.ones((1, *images.shape[1:]), dtype=torch.float64)
        out = net(ones).sum()
        if not out.requires_grad:
            return 0.0
        weights = [layer.weight for layer in layers(net)]
        grads = torch.autograd.grad(out, weights, allow_unused=True)
        return float(
            sum(
                (w.detach() * g).abs().sum()
                for w, g in zip(weights, grads, strict=True)
                if g is not None
            )
        )
