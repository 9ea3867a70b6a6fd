"""The interface for terms added to the architecture loss."""

from __future__ import annotations

import torch
from torch import nn

from darts_lab.arch.architecture import Architecture


class Regularizer(nn.Module):
    """`penalty` is added to the α loss; `progress` runs 0 → 1 over the search."""

    def penalty(self, arch: Architecture, progress: float) -> torch.Tensor:
        raise NotImplementedError

    def after_arch_step(self, arch: Architecture) -> None:
        """Hook for regularizers with their own updates (ADMM's z, u)."""

    def metrics(self) -> dict[str, torch.Tensor | float]:
        """Values worth logging after an α-step (no host sync needed)."""
        return {}
