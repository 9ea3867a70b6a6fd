"""NAS-Bench-201's search splits (Dong & Yang 2020; used by GAEA's NB201 experiments).

- CIFAR-10 (and any dataset without a rule of its own): the 50k training images in two halves,
  25k for w and 25k for α (the benchmark's `cifar-split.txt`, keys "train" / "valid").
- CIFAR-100: all 50k training images for w; α uses "xvalid", one half (5k) of the 10k test
  images (`cifar100-test-split.txt`, keys "xvalid" / "xtest").

The index files ship with the benchmark's code (AutoDL-Projects `configs/nas-benchmark/`) in its
config format: `{"train": ["int", ["3", "7", ...]], ...}`; `dataset.split_file=` reads one.
Without a file:
- the training-set halves follow the rule that generated `cifar-split.txt`: Python's
  `random.seed(1021)` shuffles range(n), the first n/2 (sorted) are "train", the rest "valid";
  on CIFAR-10's 50k images that is the benchmark's split exactly;
- the CIFAR-100 test halves have no known generating rule: a permutation seeded by the run's seed
  gives the same sizes and protocol, not the same images (a warning says so).
"""

from __future__ import annotations

import copy
import json
import logging
import random
from pathlib import Path

import torch

from darts_lab.data.errors import DataError

log = logging.getLogger(__name__)
NB201_SHUFFLE_SEED = 1021  # NAS-Bench-201's main.py, which wrote cifar-split.txt


def read_split_file(path: str | Path, keys: tuple[str, str]) -> tuple[torch.Tensor, torch.Tensor]:
    """The two index lists named `keys` from a NAS-Bench-201 split file."""
    path = Path(path).expanduser()
    try:
        table = json.loads(path.read_text())
        return tuple(torch.tensor([int(i) for i in table[key][1]]) for key in keys)
    except FileNotFoundError:
        raise DataError(
            f"dataset.split_file={str(path)!r} does not exist (NAS-Bench-201's split files are in "
            f"AutoDL-Projects configs/nas-benchmark/)"
        ) from None
    except (ValueError, KeyError, IndexError, TypeError) as e:
        raise DataError(
            f"dataset.split_file={str(path)!r} is not a NAS-Bench-201 split file with keys "
            f"{', '.join(keys)}: {e!r}"
        ) from None


def _checked(indices: tuple[torch.Tensor, ...], n: int, path: str | Path) -> None:
    for idx in indices:
        if len(idx) and (int(idx.min()) < 0 or int(idx.max()) >= n):
            raise DataError(f"{path}: indices outside the {n} images of this dataset")


def training_halves(n: int, split_file: str | Path | None) -> tuple[torch.Tensor, torch.Tensor]:
    """NAS-Bench-201's "train" / "valid" halves of range(n) (its CIFAR-10 search split)."""
    if split_file:
        return _from_file(n, split_file, ("train", "valid"))
    order = list(range(n))
    random.Random(NB201_SHUFFLE_SEED).shuffle(order)
    half = n // 2
    return torch.tensor(sorted(order[:half])), torch.tensor(sorted(order[half:]))


def heldout_halves(
    n: int, split_file: str | Path | None, seed: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """NAS-Bench-201's "xvalid" / "xtest" halves of a test set (CIFAR-100's α data)."""
    if split_file:
        return _from_file(n, split_file, ("xvalid", "xtest"))
    log.warning(
        "no dataset.split_file: xvalid is a seeded random half of the test set, not "
        "NAS-Bench-201's (its cifar100-test-split.txt gives the exact one)"
    )
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return perm[: n // 2], perm[n // 2 :]


def _from_file(n: int, split_file: str | Path, keys: tuple[str, str]) -> tuple[torch.Tensor, ...]:
    first, second = read_split_file(split_file, keys)
    _checked((first, second), n, split_file)
    return first, second


class TestHalvesForAlpha:
    """Mixed into a SearchDataModule whose NAS-Bench-201 search draws α from the "xvalid" half
    of its test set (CIFAR-100, ImageNet16-120): w on every training image."""

    def nb201_split(self) -> tuple[torch.Tensor, torch.Tensor]:
        xvalid, _ = heldout_halves(len(self.test_set()), self.split_file, self.split_seed)
        return torch.arange(len(self.train_aug)), xvalid

    def arch_sets(self) -> tuple:
        if self.search_split != "nb201" or not self.split:
            return super().arch_sets()
        plain = self.test_set()
        augmented = copy.copy(plain)  # α batches get the search augmentation, as in AutoDL
        augmented.transform = self._transforms(augment=True)
        return augmented, plain
