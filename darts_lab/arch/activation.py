"""How stored architecture parameters become the op weights the supernet mixes with.

Kept apart from storage (arch/architecture.py) so a parametrization can change — softmax over
logits (DARTS), the simplex itself (GAEA), clipping (DARTS-PRIME CRB) — without the network
knowing. Each activation declares:
- `domain` (a `Domain`): what the stored parameters are — "logits" (softmax's input), "simplex"
  (GAEA: the op weights themselves), "box" (CRB: clipped to [0, 1]) or "gates" (FairDARTS:
  sigmoid inputs) — so build() can refuse an architecture optimizer that would move them off it
  (EG needs the simplex) and a method or regularizer defined on another;
- `prunes`: whether an op whose α ≤ 0 leaves the search for good;
- what it needs from the search space (`needs`: capabilities, `space_options`, `excluded_ops`)
  and from the architecture optimizer (`optimizer_options`); build() applies them or refuses.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import torch
from torch import nn

Domain = Literal["logits", "simplex", "box", "gates"]  # what an activation's parameters are


def standard_normal(shape: torch.Size) -> torch.Tensor:
    """N(0, 1) draws from the global generator in float64: float32's vectorised sampler rounds
    differently with and without AVX2, which changed a float64 search's cell between ISAs."""
    return torch.randn(shape, dtype=torch.float64)


class Activation(nn.Module):
    domain: ClassVar[Domain] = "logits"
    prunes: ClassVar[bool] = False
    needs: ClassVar[tuple[str, ...]] = ()  # search-space capabilities (search_space/base.py)
    space_options: ClassVar[dict[str, Any]] = {}  # passed to the search space
    excluded_ops: ClassVar[tuple[str, ...]] = ()  # dropped from search_space.ops
    optimizer_options: ClassVar[dict[str, Any]] = {}  # set on the arch optimizer, if it has them

    def init_(self, alpha: torch.Tensor, scale: float) -> None:
        raise NotImplementedError


class Softmax(Activation):
    """DARTS: α are logits; the op weights on an edge are softmax(α_edge)."""

    domain = "logits"

    def init_(self, alpha: torch.Tensor, scale: float) -> None:
        """DARTS init: α = scale · N(0, 1), i.e. near-uniform op weights."""
        with torch.no_grad():
            alpha.copy_(standard_normal(alpha.shape).mul_(scale))

    def forward(self, alpha: torch.Tensor) -> torch.Tensor:
        return torch.softmax(alpha, dim=-1)


class Simplex(Activation):
    """GAEA: the stored parameters are the op weights themselves, one simplex per edge
    (keep them there with arch_optimizer=eg)."""

    domain = "simplex"

    def init_(self, alpha: torch.Tensor, scale: float) -> None:
        """GAEA init: uniform over the ops of each edge."""
        with torch.no_grad():
            alpha.fill_(1.0 / alpha.shape[-1])

    def forward(self, alpha: torch.Tensor) -> torch.Tensor:
        return alpha


class Crb(Activation):
    """DARTS-PRIME S1.1 (Clipped ReLU Batchnorm): op weight = clip(α, 0, 1), ops independent.

    The "none" op is dropped, a non-affine BatchNorm follows each node's sum, and α takes no
    weight decay (S3): declared below, applied by build(). An op whose α becomes ≤ 0 is pruned.
    """

    domain = "box"
    prunes = True
    needs = ("node_batchnorm", "pruning")
    space_options = {"node_batchnorm": True}
    excluded_ops = ("none",)
    optimizer_options = {"weight_decay": 0.0}

    def __init__(self, init_noise: float = 1e-4) -> None:
        super().__init__()
        self.init_noise = init_noise

    def init_(self, alpha: torch.Tensor, scale: float) -> None:
        """As the authors' code: α = 1/|O| + init_noise · N(0, 1), |O| the ops on an edge (7
        without "none": ≈ 0.143). `scale` (arch_init_scale, for logits) does not apply."""
        with torch.no_grad():
            alpha.copy_(
                standard_normal(alpha.shape).mul_(self.init_noise).add_(1 / alpha.shape[-1])
            )

    def forward(self, alpha: torch.Tensor) -> torch.Tensor:
        return alpha.clamp(0.0, 1.0)


class Sigmoid(Activation):
    """FairDARTS: each op's weight is σ(α), independent of the other ops of its edge (no
    competition through a softmax). α start at 0 (all weights 0.5), as their code."""

    domain = "gates"
    # σ(α_none)·0 is 0 whatever α_none is: its gate would stay at 0.5 and win Π_S by default
    excluded_ops = ("none",)

    def init_(self, alpha: torch.Tensor, scale: float) -> None:
        with torch.no_grad():
            alpha.zero_()

    def forward(self, alpha: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(alpha)
