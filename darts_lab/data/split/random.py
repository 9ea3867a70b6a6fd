"""The DARTS / DARTS-PRIME split (`dataset/split=random`): a seeded permutation of the training
set, its first share for w and the rest for α. The share is `train_fraction`, or, when null,
r/(r+1) for a schedule taking r w-steps per α-step (DARTS-PRIME §4.3): 0.5 for DARTS's
alternating schedule, 10/11 for CS10 and FIMT."""

from __future__ import annotations

import torch

from darts_lab.config import check
from darts_lab.data.split.base import SearchSplit, SplitSource


class RandomSplit(SearchSplit):
    def __init__(self, train_fraction: float | None = None) -> None:
        if train_fraction is not None:
            check(
                "dataset.split.train_fraction",
                train_fraction,
                lambda v: 0 < v < 1,
                "strictly between 0 and 1: the w-train share of the split (or null to follow "
                "the schedule)",
            )
        self.train_fraction = train_fraction

    def share(self, data: SplitSource) -> float:
        if self.train_fraction is not None:
            return self.train_fraction
        r = data.schedule_ratio
        return r / (r + 1)

    def indices(self, data: SplitSource) -> tuple[torch.Tensor, torch.Tensor]:
        n = len(data.train_aug)
        perm = torch.randperm(n, generator=torch.Generator().manual_seed(data.split_seed))
        n_w = min(max(1, round(self.share(data) * n)), n - 1)
        return perm[:n_w], perm[n_w:]
