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
        total = torch.zeros((), dtype=torch.float64)

        def keep(layer: nn.Module, inputs: tuple, output: torch.Tensor) -> None:
            if not output.requires_grad:
                return
            fan_in = layer.weight[0].numel()

            def saliency(grad: torch.Tensor) -> None:
                nonlocal total
                per_image = (
                    (output.detach() * grad).flatten(2).sum(2)
                    if grad.dim() > 2
                    else (output.detach() * grad)
                )
                total = total + 0.5 * per_image.double().pow(2).mean(0).sum() * fan_in

            output.register_hook(saliency)

        hooks = [layer.register_forward_hook(keep) for layer in layers(net)]
        loss = nn.functional.cross_entropy(net(images), labels)
        for hook in hooks:
            hook.remove()
        if loss.requires_grad:
            loss.backward()
        return float(total)
