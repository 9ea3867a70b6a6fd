"""How stored architecture parameters become the op weights the supernet mixes with.

Kept apart from storage (arch/architecture.py) so a parametrization can change — softmax over
logits (DARTS), the simplex itself (GAEA), clipping (DARTS-PRIME CRB) — without the network
knowing. `prunes` says whether an op whose α ≤ 0 leaves the search for good.
"""

from __future__ import annotations

import torch
from torch import nn


class Softmax(nn.Module):
    """DARTS: α are logits; the op weights on an edge are softmax(α_edge)."""

    prunes = False

    def init_(self, alpha: torch.Tensor, scale: float) -> None:
        """DARTS init: α = scale · N(0, 1), i.e. near-uniform op weights."""
        with torch.no_grad():
            alpha.normal_(0.0, 1.0).mul_(scale)

    def forward(self, alpha: torch.Tensor) -> torch.Tensor:
        return torch.softmax(alpha, dim=-1)


class Simplex(nn.Module):
    """GAEA: the stored parameters are the op weights themselves, one simplex per edge
    (keep them there with arch_optimizer=eg)."""

    prunes = False

    def init_(self, alpha: torch.Tensor, scale: float) -> None:
        """GAEA init: uniform over the ops of each edge."""
        with torch.no_grad():
            alpha.fill_(1.0 / alpha.shape[-1])

    def forward(self, alpha: torch.Tensor) -> torch.Tensor:
        return alpha


class Crb(nn.Module):
    """DARTS-PRIME S1.1 (Clipped ReLU Batchnorm): op weight = clip(α, 0, 1), ops independent.

    The "none" op is dropped and a non-affine BatchNorm follows each node's sum (search-space
    settings that conf/activation/crb.yaml switches on). An op whose α becomes ≤ 0 is pruned.
    """

    prunes = True

    def __init__(self, init_noise: float = 1e-4) -> None:
        super().__init__()
        self.init_noise = init_noise

    def init_(self, alpha: torch.Tensor, scale: float) -> None:
        """As the authors' code: α = 1/|O| + init_noise · N(0, 1), |O| the ops on an edge (7
        without "none": ≈ 0.143). `scale` (arch_init_scale, for logits) does not apply."""
        with torch.no_grad():
            alpha.normal_(0.0, 1.0).mul_(self.init_noise).add_(1.0 / alpha.shape[-1])

    def forward(self, alpha: torch.Tensor) -> torch.Tensor:
        return alpha.clamp(0.0, 1.0)
