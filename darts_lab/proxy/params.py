"""#Params: how many parameters the network's output depends on (the yardstick every zero-cost
paper compares with; ZiCo, Li et al. ICLR 2023, is the first proxy reported to beat it)."""

from __future__ import annotations

import torch
from torch import nn

from darts_lab.proxy.base import Proxy


class Params(Proxy):
    def measure(self, net: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
        """Parameters on a path to the output, counted by autograd from one image: a module the
        forward pass skips (a supernet's unchosen op) is not counted."""
        net.eval()  # one image: running BatchNorm statistics
        params = [p for p in net.parameters() if p.requires_grad]
        out = net(images[:1]).sum()
        if not out.requires_grad:
            return 0.0
        grads = torch.autograd.grad(out, params, allow_unused=True)
        return float(sum(p.numel() for p, g in zip(params, grads, strict=True) if g is not None))
