"""FLOPs: the multiply-accumulates of the network's convolutions and linear layers on one image
(the convention of most NAS papers' "FLOPs"; pooling, BatchNorm and additions are not counted)."""

from __future__ import annotations

import torch
from torch import nn

from darts_lab.proxy.base import LAYERS, Proxy


def macs(layer: nn.Module, output: torch.Tensor) -> int:
    """Multiply-accumulates of one image through a Conv2d or Linear layer, given its output."""
    per_output = layer.in_features if isinstance(layer, nn.Linear) else layer.weight[0].numel()
    return output[0].numel() * per_output


class Flops(Proxy):
    def measure(self, net: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
        net.eval()
        total = 0

        def count(layer: nn.Module, inputs: tuple, output: torch.Tensor) -> None:
            nonlocal total
            total += macs(layer, output)

        hooks = [m.register_forward_hook(count) for m in net.modules() if isinstance(m, LAYERS)]
        with torch.no_grad():
            net(images[:1])
        for hook in hooks:
            hook.remove()
        return float(total)
