"""Fashion-MNIST (Xiao, Rasul & Vollgraf 2017; Zalando, MIT/Expat): 60,000 + 10,000 grey 28×28
images of 10 clothing classes, read from the original IDX files in `${data_dir}/fashion-mnist/`
(gzipped or not; never downloaded), or from the subset shipped in the package (`embedded: true`,
the embedded benchmark's data: no download, offline on any machine).

The shipped subset (`fashion_mnist_16px.npz`, its licence beside it) is drawn by one fixed rule
(`embedded_subset`): of each class, the first 1,100 training and the first 500 test images in the
official files' order, resized to 16×16 (bilinear, antialiased, rounded to uint8). `python -m
darts_lab.data.fashion_mnist DIR` rebuilds it from the four official files in DIR.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import Dataset, TensorDataset

from darts_lab.config import ConfigError
from darts_lab.data.base import SearchDataModule
from darts_lab.data.errors import DataError
from darts_lab.data.idx import read_images_and_labels

FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
FOLDER = "fashion-mnist"
FETCH = (
    "apt-get download dataset-fashion-mnist && dpkg -x dataset-fashion-mnist_*.deb x "
    "(its usr/share/datasets/fashion-mnist/), or zalandoresearch/fashion-mnist's data/fashion/"
)
STATS = (0.2860, 0.3530)  # mean and std of the 60,000 training images' pixels in [0, 1]
SHIPPED = Path(__file__).with_name("fashion_mnist_16px.npz")
SHIPPED_SHA256 = "ff4d75f894270b48775e9f1eb5349e3fc4327de654d1c9fedef29c081c230182"
PER_CLASS = {"train": 1100, "test": 500}
EMBEDDED_SIZE = 16


def idx_path(folder: Path, name: str) -> Path:
    """`name` or `name.gz` in `folder`; one line naming all four files when one is missing."""
    for candidate in (folder / f"{name}.gz", folder / name):
        if candidate.is_file():
            return candidate
    wanted = ", ".join(f"{n}[.gz]" for pair in FILES.values() for n in pair)
    raise DataError(f"Fashion-MNIST: {folder} lacks {name}[.gz]; put {wanted} there ({FETCH})")


def read_official(folder: Path, part: str) -> tuple[np.ndarray, np.ndarray]:
    images, labels = FILES[part]
    return read_images_and_labels(idx_path(folder, images), idx_path(folder, labels))


def resize(x: np.ndarray, size: int) -> np.ndarray:
    """N×H×W uint8 → N×size×size uint8: bilinear with antialiasing, rounded."""
    if x.shape[-1] == size:
        return x
    t = torch.from_numpy(x.astype(np.float32))[:, None]
    t = F.interpolate(t, size=size, mode="bilinear", align_corners=False, antialias=True)
    return t[:, 0].round().clamp(0, 255).to(torch.uint8).numpy()


def first_per_class(labels: np.ndarray, per_class: int) -> np.ndarray:
    """Indices of the first `per_class` images of each class, in file order."""
    chosen = [np.flatnonzero(labels == c)[:per_class] for c in range(10)]
    if any(len(c) < per_class for c in chosen):
        raise DataError(f"Fashion-MNIST: fewer than {per_class} images in a class")
    return np.sort(np.concatenate(chosen))


def embedded_subset(folder: Path, size: int = EMBEDDED_SIZE) -> dict[str, np.ndarray]:
    """The shipped subset's rule, applied to the official files in `folder`."""
    arrays = {}
    for part, per_class in PER_CLASS.items():
        x, y = read_official(folder, part)
        index = first_per_class(y, per_class)
        arrays.update({f"x_{part}": resize(x[index], size), f"y_{part}": y[index].copy()})
        arrays[f"index_{part}"] = index.astype(np.int32)  # positions in the official file
    return arrays


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class FashionMNISTDataModule(SearchDataModule):
    in_channels = 1
    num_classes = 10
    image_size = 28

    def __init__(self, *args, image_size: int = 28, embedded: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not 8 <= image_size <= 28:
            raise ConfigError(
                f"dataset.image_size must be 8 to 28 (Fashion-MNIST is 28×28), got {image_size}"
            )
        if embedded and image_size > EMBEDDED_SIZE:
            raise ConfigError(
                f"dataset.image_size={image_size}: the embedded Fashion-MNIST subset is "
                f"{EMBEDDED_SIZE}×{EMBEDDED_SIZE}; give {EMBEDDED_SIZE} or less, or embedded=false"
            )
        self.image_size, self.embedded = image_size, embedded
        self._cache: tuple[TensorDataset, TensorDataset] | None = None

    def check(self) -> None:
        if not self.embedded:
            for pair in FILES.values():
                for name in pair:
                    idx_path(self.data_dir / FOLDER, name)

    def _arrays(self) -> dict[str, np.ndarray]:
        if self.embedded:
            with np.load(SHIPPED) as shipped:
                return {k: shipped[k] for k in ("x_train", "y_train", "x_test", "y_test")}
        arrays = {}
        for part in FILES:
            arrays[f"x_{part}"], arrays[f"y_{part}"] = read_official(self.data_dir / FOLDER, part)
        return arrays

    def _tensors(self) -> tuple[TensorDataset, TensorDataset]:
        if self._cache is None:
            arrays = self._arrays()
            mean, std = STATS

            def part(name: str) -> TensorDataset:
                x = torch.from_numpy(resize(arrays[f"x_{name}"], self.image_size)).float()
                x = (x[:, None] / 255.0 - mean) / std
                return TensorDataset(x, torch.from_numpy(arrays[f"y_{name}"].astype(np.int64)))

            self._cache = part("train"), part("test")
        return self._cache

    def search_sets(self) -> tuple[Dataset, Dataset]:
        train, _ = self._tensors()
        return train, train  # tensors in memory, no augmentation (as the embedded protocol)

    def test_set(self) -> Dataset:
        return self._tensors()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description="Rebuild the shipped Fashion-MNIST subset.")
    parser.add_argument("folder", type=Path, help="the folder with the four official IDX files")
    parser.add_argument("--out", type=Path, default=SHIPPED)
    args = parser.parse_args()
    np.savez_compressed(args.out, **embedded_subset(args.folder))
    print(f"{args.out}: sha256 {sha256(args.out)}")


if __name__ == "__main__":
    main()
