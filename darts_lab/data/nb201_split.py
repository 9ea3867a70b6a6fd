"""NAS-Bench-201's search splits (Dong & Yang 2020; used by GAEA's NB201 experiments).

- CIFAR-10 (and any dataset without a rule of its own): the 50k training images in two halves,
  25k for w and 25k for α (the benchmark's `cifar-split.txt`, keys "train" / "valid").
- CIFAR-100: all 50k training images for w; α uses "xvalid", one half (5k) of the 10k test
  images (`cifar100-test-split.txt`, keys "xvalid" / "xtest").

The index files ship with the benchmark's code (AutoDL-Projects `configs/nas-benchmark/`) in its
config format: `{"train": ["int", ["3", "7", ...]], ...}`. Give one with `dataset.split_file=`;
without one, the halves are a random permutation seeded by the run's seed: the same sizes and
protocol, not the same images.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from darts_lab.data.errors import DataError


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


def halves(
    n: int, split_file: str | Path | None, seed: int, keys: tuple[str, str] = ("train", "valid")
) -> tuple[torch.Tensor, torch.Tensor]:
    """Two disjoint halves of range(n): from the split file, else a seeded permutation."""
    if split_file:
        first, second = read_split_file(split_file, keys)
        _checked((first, second), n, split_file)
        return first, second
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return perm[: n // 2], perm[n // 2 :]
