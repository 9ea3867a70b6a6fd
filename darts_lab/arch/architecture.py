"""The architecture parameters α of a search, in one place: one [edges, ops] tensor per cell
type, plus the activation that turns them into op weights."""

from __future__ import annotations

import torch
from torch import nn


class Architecture(nn.Module):
    def __init__(
        self, shapes: dict[str, tuple[int, int]], activation: nn.Module, init_scale: float = 1e-3
    ) -> None:
        super().__init__()
        self.activation = activation
        self.alphas = nn.ParameterDict(
            {name: nn.Parameter(torch.empty(shape)) for name, shape in shapes.items()}
        )
        for alpha in self.alphas.values():
            activation.init_(alpha, init_scale)

    @property
    def cell_types(self) -> list[str]:
        return list(self.alphas.keys())

    def weights(self) -> dict[str, torch.Tensor]:
        """Activated op weights per cell type: what the supernet mixes with."""
        return {name: self.activation(alpha) for name, alpha in self.alphas.items()}
