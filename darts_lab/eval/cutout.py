"""Cutout (DeVries & Taylor 2017) as the DARTS evaluation applies it: one square of zeros per
image, centred anywhere, clipped at the border."""

from __future__ import annotations

import torch
from torch.utils.data import Dataset


class Cutout(Dataset):
    """Wraps a dataset of (image tensor, label); `length` = side of the square (0 = off)."""

    def __init__(self, dataset: Dataset, length: int, seed: int = 0) -> None:
        self.dataset, self.length = dataset, length
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        x, y = self.dataset[i]
        if self.length <= 0:
            return x, y
        h, w = x.shape[-2:]
        cy, cx = (int(torch.randint(n, (1,), generator=self.generator)) for n in (h, w))
        half = self.length // 2
        x = x.clone()
        x[..., max(0, cy - half) : cy + half, max(0, cx - half) : cx + half] = 0
        return x, y
