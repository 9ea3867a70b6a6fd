"""CIFAR-10 / CIFAR-100 from the python-pickle batches in `data_dir` (never downloaded here)."""

from __future__ import annotations

import copy
import os

import numpy as np
from torch.utils.data import Dataset
from torchvision import datasets
from torchvision import transforms as T
from torchvision.datasets import VisionDataset

from darts_lab.data.base import SearchDataModule
from darts_lab.data.errors import DataError
from darts_lab.data.split.nb201 import NB201XValid
from darts_lab.safe_load import load_pickle

# DARTS's CIFAR statistics and search augmentation (quark0/darts utils._data_transforms_cifar10).
CIFAR10_STATS = ((0.49139968, 0.48215827, 0.44653124), (0.24703233, 0.24348505, 0.26158768))
CIFAR100_STATS = ((0.5071, 0.4865, 0.4409), (0.2673, 0.2564, 0.2762))


def _checked(base: type[datasets.CIFAR10]) -> type[datasets.CIFAR10]:
    """torchvision's dataset (its item access and class names), read by a restricted unpickler
    (darts_lab/safe_load.py: numpy arrays and plain data only, as the real batches hold) with a
    presence check instead of md5 (md5 would reject any subset of the data); a corrupt,
    truncated or hostile batch file is one line naming it."""

    class Checked(base):
        def __init__(self, root: str, train: bool = True, transform=None, **_: object) -> None:  # noqa: ANN001
            VisionDataset.__init__(self, root, transform=transform)
            self.train = train
            folder = os.path.join(self.root, self.base_folder)
            data, self.targets = [], []
            for name, _md5 in self.train_list if train else self.test_list:
                path = os.path.join(folder, name)
                entry = _read(path)
                try:
                    data.append(np.asarray(entry["data"], dtype=np.uint8).reshape(-1, 3, 32, 32))
                    labels = entry["labels"] if "labels" in entry else entry["fine_labels"]
                    self.targets.extend(int(label) for label in labels)
                except (KeyError, ValueError, TypeError) as e:
                    raise DataError(
                        f"corrupt or truncated {base.__name__} file {path}: {e!r}"
                    ) from None
            self.data = np.vstack(data).transpose((0, 2, 3, 1))  # HWC, as torchvision
            meta = _read(os.path.join(folder, self.meta["filename"]))
            self.classes = meta.get(self.meta["key"]) if isinstance(meta, dict) else None
            if not isinstance(self.classes, list):
                raise DataError(f"corrupt {base.__name__} file {folder}/{self.meta['filename']}")
            self.class_to_idx = {name: i for i, name in enumerate(self.classes)}

    def _read(path: str) -> dict:
        def error(reason: str) -> DataError:
            return DataError(f"corrupt or truncated {base.__name__} file {reason}")

        entry = load_pickle(path, f"{base.__name__} batch", error=error, encoding="latin1")
        if not isinstance(entry, dict):
            raise error(f"{path} holds a {type(entry).__name__}, not a batch dict")
        return entry

    Checked.__name__ = base.__name__
    return Checked


CIFAR10 = _checked(datasets.CIFAR10)
CIFAR100 = _checked(datasets.CIFAR100)


class CIFARDataModule(SearchDataModule):
    in_channels = 3
    image_size = 32
    num_classes = 10
    stats = CIFAR10_STATS  # of this dataset, not looked up by its class count
    _reader: type[datasets.CIFAR10] = CIFAR10
    _url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"

    def check(self) -> None:
        folder = self.data_dir / self._reader.base_folder
        missing = [
            n
            for n, _ in self._reader.train_list + self._reader.test_list
            if not (folder / n).is_file()
        ]
        if missing:
            raise DataError(
                f"{self._reader.__name__} not found: {folder / missing[0]} is missing. Download "
                f"{self._url} and extract it into {self.data_dir} (or set data_dir=PATH)."
            )

    def image_transform(self, augment: bool) -> T.Compose:
        mean, std = self.stats
        aug = [T.RandomCrop(32, padding=4), T.RandomHorizontalFlip()] if augment else []
        return T.Compose([*aug, T.ToTensor(), T.Normalize(mean, std)])

    def _read(self, train: bool, augment: bool) -> Dataset:
        self.check()
        return self._reader(
            str(self.data_dir), train=train, download=False, transform=self.image_transform(augment)
        )

    def search_sets(self) -> tuple[Dataset, Dataset]:
        augmented = self._read(True, augment=True)
        plain = copy.copy(augmented)  # same arrays in memory, read from disk once
        plain.transform = self.image_transform(augment=False)
        return augmented, plain

    def test_set(self) -> Dataset:
        """Read once: the NB201 xvalid split, the α sets and the test loader all ask for it."""
        if getattr(self, "_test", None) is None:
            self._test = self._read(False, augment=False)
        return self._test


class CIFAR100DataModule(CIFARDataModule):
    """NAS-Bench-201 on CIFAR-100: α on the "xvalid" half of the test set (split/nb201.py)."""

    nb201_rule = NB201XValid
    num_classes = 100
    stats = CIFAR100_STATS
    _reader = CIFAR100
    _url = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
