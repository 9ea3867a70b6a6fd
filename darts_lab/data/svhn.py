"""SVHN (Netzer et al. 2011), the cropped 32×32 digits, from the official MATLAB files in
`data_dir` (never downloaded): `train_32x32.mat` (73,257 images), `test_32x32.mat` (26,032) and,
with `dataset.extra=true`, `extra_32x32.mat` (531,131) added to the training set. Each holds `X`,
32×32×3×N uint8, and `y`, N×1, where label 10 is the digit 0: mapped to 0, as torchvision and
the papers do. R-DARTS's protocol (automl/RobustDARTS `src/utils.py` `_data_transforms_svhn`):
random crop 32 with padding 4 and a horizontal flip (theirs flips digits too), normalised with
their statistics (below); the search splits the training set only, as theirs (`split='train'`).
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from scipy.io import loadmat
from scipy.io.matlab import MatReadError
from torch.utils.data import Dataset
from torchvision import transforms as T

from darts_lab.data.base import SearchDataModule
from darts_lab.data.errors import DataError

# R-DARTS's SVHN statistics (their utils._data_transforms_svhn), per channel on the 0-1 scale
SVHN_STATS = ((0.4377, 0.4438, 0.4728), (0.1980, 0.2010, 0.1970))
URL = "http://ufldl.stanford.edu/housenumbers/"
TRAIN, TEST, EXTRA = "train_32x32.mat", "test_32x32.mat", "extra_32x32.mat"


def read_mat(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Images N×32×32×3 (HWC, uint8) and labels 0..9 from one SVHN .mat file; a file that is
    not one is a DataError naming it."""

    def corrupt(reason: str) -> DataError:
        return DataError(f"corrupt or truncated SVHN file {path}: {reason} (get it from {URL})")

    try:
        mat = loadmat(str(path), variable_names=["X", "y"])
    except (PermissionError, IsADirectoryError, NotADirectoryError):
        raise  # not the file's fault: data/errors.py `readable` names it
    except (OSError, ValueError, TypeError, KeyError, EOFError, MatReadError) as e:
        raise corrupt(f"{type(e).__name__}: {e}") from None
    x, y = mat.get("X"), mat.get("y")
    if x is None or y is None:
        raise corrupt("it holds no X and y arrays")
    if x.dtype != np.uint8 or x.ndim != 4 or x.shape[:3] != (32, 32, 3):
        raise corrupt(f"X is {x.dtype} {x.shape}, not uint8 32×32×3×N")
    labels = np.asarray(y).reshape(-1).astype(np.int64)
    if len(labels) != x.shape[3] or not np.isin(labels, np.arange(1, 11)).all():
        raise corrupt(f"y holds {len(labels)} labels in 1..10 for {x.shape[3]} images")
    labels[labels == 10] = 0
    return np.ascontiguousarray(x.transpose(3, 0, 1, 2)), labels


class SVHN(Dataset):
    """The images of the given .mat files, one after the other."""

    def __init__(self, files: list[Path], transform: T.Compose) -> None:
        parts = [read_mat(path) for path in files]
        self.data = np.concatenate([x for x, _ in parts])
        self.targets = np.concatenate([y for _, y in parts]).tolist()
        self.transform = transform

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        return self.transform(Image.fromarray(self.data[i])), self.targets[i]


class SVHNDataModule(SearchDataModule):
    in_channels = 3
    image_size = 32
    num_classes = 10

    def __init__(self, *args, extra: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.extra = extra  # also train on extra_32x32.mat (R-DARTS does not)

    def files(self) -> list[str]:
        return [TRAIN, TEST, *([EXTRA] if self.extra else [])]

    def check(self) -> None:
        missing = [name for name in self.files() if not (self.data_dir / name).is_file()]
        if missing:
            raise DataError(
                f"SVHN not found: {self.data_dir / missing[0]} is missing. Download "
                f"{', '.join(self.files())} (format 2, cropped digits) from {URL} into "
                f"{self.data_dir} (or set data_dir=PATH)."
            )

    def image_transform(self, augment: bool) -> T.Compose:
        mean, std = SVHN_STATS
        aug = [T.RandomCrop(32, padding=4), T.RandomHorizontalFlip()] if augment else []
        return T.Compose([*aug, T.ToTensor(), T.Normalize(mean, std)])

    def search_sets(self) -> tuple[Dataset, Dataset]:
        self.check()
        names = [TRAIN, *([EXTRA] if self.extra else [])]
        augmented = SVHN([self.data_dir / n for n in names], self.image_transform(True))
        plain = copy.copy(augmented)  # the same arrays, read once
        plain.transform = self.image_transform(False)
        return augmented, plain

    def test_set(self) -> Dataset:
        self.check()
        if getattr(self, "_test", None) is None:
            self._test = SVHN([self.data_dir / TEST], self.image_transform(False))
        return self._test
