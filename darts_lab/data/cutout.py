"""Cutout (DeVries & Taylor 2017) as the DARTS evaluation applies it: one square of zeros per
image, centred anywhere, clipped at the border.

Centres come from torch's global RNG, like torchvision's random transforms: in the main process
that is the run's seeded stream; in a DataLoader worker it is the worker's own seed, which differs
between workers and, since each epoch starts new workers with a fresh base seed, between epochs
(Lightning's `seed_everything(workers=True)` derives it from the run's seed, so runs repeat).
A generator held by the dataset would be copied into every worker: all workers would draw the
same centres, and the same again every epoch.
"""

from __future__ import annotations

import torch
from torch.utils.data import Dataset


class Cutout(Dataset):
    """Wraps a dataset of (image tensor, label); `length` = side of the square (0 = off)."""

    def __init__(self, dataset: Dataset, length: int) -> None:
        self.dataset, self.length = dataset, length

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        x, y = self.dataset[i]
        if self.length <= 0:
            return x, y
        h, w = x.shape[-2:]
        cy, cx = (int(torch.randint(n, (1,))) for n in (h, w))
        half = self.length // 2
        x = x.clone()
        x[..., max(0, cy - half) : cy + half, max(0, cx - half) : cx + half] = 0
        return x, y
