"""NAS-Bench-201's ImageNet16-120: ImageNet downsampled to 16×16 (Chrabaszcz et al. 2017),
the first 120 classes. Read from its real on-disk format in `data_dir/ImageNet16/`: the pickled
`train_data_batch_1` .. `_10` and `val_data` (dicts of `data`, N×3072 uint8, and `labels`,
1-based), kept to labels 1..120 as NAS-Bench-201 does (151,700 training and 6,000 validation
images), labels shifted to 0..119. NB201's augmentation (random crop 16 with padding 2, flip)
and statistics. `dataset/split=nb201` is the benchmark's: w on every training image, α on the
"xvalid" half of the validation images (`imagenet-16-120-test-split.txt`; without it a seeded
half, with a warning), as CIFAR-100's (data/split/nb201.py).
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset
from torchvision import transforms as T

from darts_lab.data.base import SearchDataModule
from darts_lab.data.errors import DataError
from darts_lab.data.split.nb201 import NB201XValid
from darts_lab.safe_load import load_pickle

TRAIN_FILES = tuple(f"train_data_batch_{i}" for i in range(1, 11))
VAL_FILE = "val_data"
# NAS-Bench-201's (AutoDL-Projects get_datasets) statistics, on the 0-1 scale
MEAN = tuple(x / 255 for x in (122.68, 116.66, 104.01))
STD = tuple(x / 255 for x in (63.22, 61.26, 65.09))
URL = "https://image-net.org/download-images.php (Imagenet16, the 16×16 downsampled variant)"


class ImageNet16(Dataset):
    """Images of the first `classes` classes from the given pickled batch files."""

    def __init__(self, files: list[Path], classes: int, transform: T.Compose) -> None:
        data, labels = [], []
        for path in files:
            entry = load_pickle(path, "ImageNet16 batch", error=_corrupt, encoding="latin1")
            try:
                data.append(np.asarray(entry["data"], dtype=np.uint8).reshape(-1, 3, 16, 16))
                labels.append(np.asarray(entry["labels"], dtype=np.int64))
            except (KeyError, ValueError, TypeError) as e:
                raise DataError(f"corrupt or truncated ImageNet16 file {path}: {e!r}") from None
        images, targets = np.concatenate(data), np.concatenate(labels)
        keep = (targets >= 1) & (targets <= classes)  # NAS-Bench-201's class filter
        self.data = images[keep].transpose(0, 2, 3, 1)  # HWC for PIL
        self.targets = (targets[keep] - 1).tolist()
        self.transform = transform

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        return self.transform(Image.fromarray(self.data[i])), self.targets[i]


def _corrupt(reason: str) -> DataError:
    return DataError(f"corrupt or truncated ImageNet16 file {reason}")


class ImageNet16DataModule(SearchDataModule):
    nb201_rule = NB201XValid
    in_channels = 3
    image_size = 16
    num_classes = 120
    folder = "ImageNet16"

    def check(self) -> None:
        root = self.data_dir / self.folder
        missing = [name for name in (*TRAIN_FILES, VAL_FILE) if not (root / name).is_file()]
        if missing:
            raise DataError(
                f"ImageNet16-120 not found: {root / missing[0]} is missing. Download the 16×16 "
                f"downsampled ImageNet from {URL} and put its train_data_batch_1..10 and "
                f"val_data into {root} (or set data_dir=PATH)."
            )

    def image_transform(self, augment: bool) -> T.Compose:
        aug = [T.RandomCrop(16, padding=2), T.RandomHorizontalFlip()] if augment else []
        return T.Compose([*aug, T.ToTensor(), T.Normalize(MEAN, STD)])

    def search_sets(self) -> tuple[Dataset, Dataset]:
        self.check()
        root = self.data_dir / self.folder
        augmented = ImageNet16(
            [root / n for n in TRAIN_FILES], self.num_classes, self.image_transform(True)
        )
        plain = copy.copy(augmented)  # the same arrays, read once
        plain.transform = self.image_transform(False)
        return augmented, plain

    def test_set(self) -> Dataset:
        self.check()
        root = self.data_dir / self.folder
        if getattr(self, "_test", None) is None:
            plain = self.image_transform(False)
            self._test = ImageNet16([root / VAL_FILE], self.num_classes, plain)
        return self._test
