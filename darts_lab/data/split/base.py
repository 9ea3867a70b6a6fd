"""The interface of a search split, and the no-split of single-level searches (GAEA ERM)."""

from __future__ import annotations

from typing import Protocol

import torch
from torch.utils.data import Dataset


class SplitSource(Protocol):
    """What a split may ask of a SearchDataModule (data/base.py)."""

    train_aug: Dataset  # the training set with search augmentation
    train_eval: Dataset  # the same images without it
    split_seed: int  # the run's seed
    schedule_ratio: float  # the schedule's w-steps per α-step
    nb201_rule: type[SearchSplit]  # NAS-Bench-201's split for this dataset

    def test_set(self) -> Dataset: ...

    def augmented(self, plain: Dataset) -> Dataset: ...

    def train_targets(self) -> list[int]: ...


class SearchSplit:
    """Which images train w and which train α. `indices` gives the two index lists; `alpha_sets`
    the dataset they index (augmented and plain): the training set, unless the rule says so."""

    def indices(self, data: SplitSource) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    def alpha_sets(self, data: SplitSource) -> tuple[Dataset, Dataset]:
        return data.train_aug, data.train_eval


class NoSplit(SearchSplit):
    """Single-level search (GAEA ERM, `method.single_level`): every training image is w-train;
    α-steps draw their own batches from the same images."""

    def indices(self, data: SplitSource) -> tuple[torch.Tensor, torch.Tensor]:
        return torch.arange(len(data.train_aug)), torch.arange(0)
