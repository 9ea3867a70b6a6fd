"""PC-DARTS's ImageNet search split (`dataset/split=subsample`, ImageNet's default): from each
class, a seeded 10 % of its training images for w and a disjoint 2.5 % for α (`fractions`), so
both parts keep the class balance of the full set (PC-DARTS §4.3; GAEA §4.2 searches on the same
sizes)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import torch

from darts_lab.data.errors import DataError
from darts_lab.data.split.base import SearchSplit, SplitSource


def class_balanced(
    targets: Sequence[int], fractions: Sequence[float], seed: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """w and α indices: per class, a permutation seeded by (seed, class); its first
    round(f_w · n) images are w's and the next round(f_α · n) α's (at least one each)."""
    w_fraction, a_fraction = fractions
    if not (0 < w_fraction and 0 < a_fraction and w_fraction + a_fraction <= 1):
        raise DataError(
            f"dataset.split.fractions={list(fractions)}: two positive fractions of each "
            f"class (w, α) that sum to at most 1"
        )
    by_class: dict[int, list[int]] = defaultdict(list)
    for i, y in enumerate(targets):
        by_class[int(y)].append(i)
    w, a = [], []
    for label in sorted(by_class):
        members = torch.tensor(by_class[label])
        g = torch.Generator().manual_seed(seed * 100_003 + label)
        members = members[torch.randperm(len(members), generator=g)]
        n_w = max(1, round(w_fraction * len(members)))
        n_a = max(1, round(a_fraction * len(members)))
        if n_w + n_a > len(members):
            raise DataError(f"class {label} has {len(members)} images: too few to subsample")
        w.append(members[:n_w])
        a.append(members[n_w : n_w + n_a])
    return torch.cat(w).sort().values, torch.cat(a).sort().values


class Subsample(SearchSplit):
    def __init__(self, fractions: Sequence[float] = (0.1, 0.025)) -> None:
        self.fractions = tuple(fractions)

    def indices(self, data: SplitSource) -> tuple[torch.Tensor, torch.Tensor]:
        return class_balanced(data.train_targets(), self.fractions, data.split_seed)
