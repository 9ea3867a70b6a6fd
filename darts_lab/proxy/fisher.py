"""Fisher (Theis et al., 2018; Turner et al., ICLR 2020; as a NAS proxy, Abdelfattah et al., ICLR
2021): the saliency of each output channel k of every Conv2d and Linear layer,
Δ_k = ½ · mean over the images n of (Σ over positions of a_nk · ∂L/∂a_nk)², a the layer's
output (before its BatchNorm) and L the mean cross-entropy of one minibatch.

Summed as the reference code sums it: it spreads each channel's Δ_k over the channel's weights
(in-channels × kernel height × kernel width of them, a Linear layer's in-features) and adds up
the weights, so each Δ_k counts fan-in times."""

from __future__ import annotations

import torch
from torch import nn

from darts_lab.proxy.base import Proxy, layers


class Fisher(Proxy):
    def measure(self, net: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
        outputs: list[torch.Tensor] = []  # each layer's output a, and its fan-in
        fans: list[int] = []

        def keep(layer: nn.Module, inputs: tuple, output: torch.Tensor) -> None:
            if output.requires_grad:
                outputs.append(output)
                fans.append(layer.weight[0].numel())

        hooks = [layer.register_forward_hook(keep) for layer in layers(net)]
        loss = nn.functional.cross_entropy(net(images), labels)
        for hook in hooks:
            hook.remove()
        if not outputs:
            return 0.0
        # ∂L/∂a by autograd.grad, not tensor hooks: a hook's closure holding its own tensor is a
        # cycle the garbage collector cannot see through (3.5 MB a call lost here)
        grads = torch.autograd.grad(loss, outputs, allow_unused=True)
        total = 0.0
        for a, g, fan_in in zip(outputs, grads, fans, strict=True):
            if g is not None:
                per_image = (a.detach() * g).flatten(2).sum(2) if g.dim() > 2 else a.detach() * g
                total += 0.5 * float(per_image.double().pow(2).mean(0).sum()) * fan_in
        return total
