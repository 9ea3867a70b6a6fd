"""scikit-learn's bundled 8×8 handwritten digits: the embedded default, no download.

1,797 grey images of 10 classes. A fixed 80/20 split (independent of the run seed) gives the
search training set and a held-out test set. `image_size` > 8 resizes them (bilinear), as the
embedded benchmark's protocol may (darts_lab/embedded/protocol.py).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from torch.utils.data import Dataset, TensorDataset

from darts_lab.config import ConfigError
from darts_lab.data.base import SearchDataModule

_TEST_FRACTION = 0.2


class DigitsDataModule(SearchDataModule):
    in_channels = 1
    num_classes = 10
    image_size = 8

    def __init__(self, *args, image_size: int = 8, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if image_size < 8:
            raise ConfigError(
                f"dataset.image_size must be at least 8 (digits are 8×8), got {image_size}"
            )
        self.image_size = image_size

    def _tensors(self) -> tuple[TensorDataset, TensorDataset]:
        digits = load_digits()
        x = torch.tensor(digits.images, dtype=torch.float32).unsqueeze(1) / 16.0
        if self.image_size != 8:
            x = F.interpolate(x, size=self.image_size, mode="bilinear", align_corners=False)
        x = (x - 0.5) / 0.5
        y = torch.tensor(digits.target, dtype=torch.long)
        perm = torch.randperm(len(y), generator=torch.Generator().manual_seed(12345))
        n_test = round(_TEST_FRACTION * len(y))
        test, train = perm[:n_test], perm[n_test:]
        return TensorDataset(x[train], y[train]), TensorDataset(x[test], y[test])

    def search_sets(self) -> tuple[Dataset, Dataset]:
        train, _ = self._tensors()
        return train, train  # no augmentation for 8×8 digits: flips and crops change the class

    def test_set(self) -> Dataset:
        return self._tensors()[1]
