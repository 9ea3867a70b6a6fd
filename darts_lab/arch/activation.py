"""How stored architecture parameters become the op weights the supernet mixes with.

Kept apart from storage (arch/architecture.py) so a parametrization can change — softmax over
logits (DARTS), the simplex itself (GAEA), clipping (DARTS-PRIME CRB) — without the network
knowing.
"""

from __future__ import annotations

import torch
from torch import nn


class Softmax(nn.Module):
    """DARTS: α are logits; the op weights on an edge are softmax(α_edge)."""

    def init_(self, alpha: torch.Tensor, scale: float) -> None:
        """DARTS init: α = scale · N(0, 1), i.e. near-uniform op weights."""
        with torch.no_grad():
            alpha.normal_(0.0, 1.0).mul_(scale)

    def forward(self, alpha: torch.Tensor) -> torch.Tensor:
        return torch.softmax(alpha, dim=-1)
