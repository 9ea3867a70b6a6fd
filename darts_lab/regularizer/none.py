"""No regularization: plain DARTS."""

from __future__ import annotations

import torch

from darts_lab.arch.architecture import Architecture
from darts_lab.regularizer.base import Regularizer


class NoRegularizer(Regularizer):
    def penalty(self, arch: Architecture, progress: float) -> torch.Tensor:
        return torch.zeros((), device=next(iter(arch.parameters())).device)
