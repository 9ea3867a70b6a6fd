"""NAS-Bench-201's search splits (Dong & Yang 2020; used by GAEA's NB201 experiments).

- `nb201_halves` (CIFAR-10): the 50k training images in two halves, 25k for w and 25k for α
  (the benchmark's `cifar-split.txt`, keys "train" / "valid").
- `nb201_xvalid` (CIFAR-100, ImageNet16-120): every training image for w; α on "xvalid", one
  half of the test (validation) images (`cifar100-test-split.txt` /
  `imagenet-16-120-test-split.txt`, keys "xvalid" / "xtest"), with the search augmentation.
- `nb201` (what every NB201 experiment row sets): the benchmark's rule for the dataset at hand,
  which the dataset names (`nb201_rule` of its datamodule: halves unless it says xvalid).

The index files ship with the benchmark's code (AutoDL-Projects `configs/nas-benchmark/`) in its
config format: `{"train": ["int", ["3", "7", ...]], ...}`; `dataset.split.file=` reads one.
Without a file:
- the training-set halves follow the rule that generated `cifar-split.txt`: Python's
  `random.seed(1021)` shuffles range(n), the first n/2 (sorted) are "train", the rest "valid";
  on CIFAR-10's 50k images that is the benchmark's split exactly;
- the test-set halves have no known generating rule: a permutation seeded by the run's seed
  gives the same sizes and protocol, not the same images (a warning says so).
"""

from __future__ import annotations

import json
import logging
import random
from pathlib import Path

import torch
from torch.utils.data import Dataset

from darts_lab.data.errors import DataError
from darts_lab.data.split.base import SearchSplit, SplitSource

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
            f"dataset.split.file={str(path)!r} does not exist (NAS-Bench-201's split files are "
            f"in AutoDL-Projects configs/nas-benchmark/)"
        ) from None
    except (ValueError, KeyError, IndexError, TypeError) as e:
        raise DataError(
            f"dataset.split.file={str(path)!r} is not a NAS-Bench-201 split file with keys "
            f"{', '.join(keys)}: {e!r}"
        ) from None


def _from_file(n: int, path: str | Path, keys: tuple[str, str]) -> tuple[torch.Tensor, ...]:
    indices = read_split_file(path, keys)
    for idx in indices:
        if len(idx) and (int(idx.min()) < 0 or int(idx.max()) >= n):
            raise DataError(f"{path}: indices outside the {n} images of this dataset")
    return indices


def training_halves(n: int, file: str | Path | None) -> tuple[torch.Tensor, torch.Tensor]:
    """NAS-Bench-201's "train" / "valid" halves of range(n) (its CIFAR-10 search split)."""
    if file:
        return _from_file(n, file, ("train", "valid"))
    order = list(range(n))
    random.Random(NB201_SHUFFLE_SEED).shuffle(order)
    half = n // 2
    return torch.tensor(sorted(order[:half])), torch.tensor(sorted(order[half:]))


def heldout_halves(n: int, file: str | Path | None, seed: int) -> tuple[torch.Tensor, ...]:
    """NAS-Bench-201's "xvalid" / "xtest" halves of a test set."""
    if file:
        return _from_file(n, file, ("xvalid", "xtest"))
    log.warning(
        "no dataset.split.file: xvalid is a seeded random half of the test set, not "
        "NAS-Bench-201's (its *-test-split.txt gives the exact one)"
    )
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return perm[: n // 2], perm[n // 2 :]


class NB201Split(SearchSplit):
    """A NAS-Bench-201 rule; `file` is the benchmark's index file for it (or null)."""

    def __init__(self, file: str | None = None) -> None:
        self.file = file


class NB201Halves(NB201Split):
    """Two halves of the training set (CIFAR-10's rule), whatever the schedule's fraction."""

    def indices(self, data: SplitSource) -> tuple[torch.Tensor, torch.Tensor]:
        return training_halves(len(data.train_aug), self.file)


class NB201XValid(NB201Split):
    """w on every training image, α on the "xvalid" half of the test set (CIFAR-100's and
    ImageNet16-120's rule); α batches get the search augmentation, as in AutoDL."""

    def indices(self, data: SplitSource) -> tuple[torch.Tensor, torch.Tensor]:
        xvalid, _ = heldout_halves(len(data.test_set()), self.file, data.split_seed)
        return torch.arange(len(data.train_aug)), xvalid

    def alpha_sets(self, data: SplitSource) -> tuple[Dataset, Dataset]:
        plain = data.test_set()
        return data.augmented(plain), plain


class NB201(NB201Split):
    """The benchmark's own rule for this dataset (the datamodule's `nb201_rule`)."""

    def rule(self, data: SplitSource) -> NB201Split:
        return data.nb201_rule(self.file)

    def indices(self, data: SplitSource) -> tuple[torch.Tensor, torch.Tensor]:
        return self.rule(data).indices(data)

    def alpha_sets(self, data: SplitSource) -> tuple[Dataset, Dataset]:
        return self.rule(data).alpha_sets(data)
