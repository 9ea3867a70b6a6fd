"""Your own images (`dataset=image_folder data_dir=PATH`) and ILSVRC-2012 (`dataset=imagenet`),
both in torchvision's ImageFolder layout: `train/<class>/*.png|jpg|...` and, optionally, a
`val/` (or `test/`) folder with the same classes; without one, a seeded `test_fraction` of the
training images is held out. Any image size is resized to `image_size`; grayscale folders give
one input channel, colour ones three. Mean and standard deviation are computed once over the
training images (after resizing) and cached in `data_dir/darts_lab_stats.json`; ImageNet uses
its standard statistics. Every reader error is one line naming the folder or file.
"""

from __future__ import annotations

import copy
import json
import logging
from pathlib import Path

import torch
from PIL import Image, UnidentifiedImageError
from torch.utils.data import Dataset, Subset
from torchvision import datasets
from torchvision import transforms as T

from darts_lab.data.base import SearchDataModule
from darts_lab.data.errors import DataError
from darts_lab.export.artifacts import write_text

log = logging.getLogger(__name__)
STATS_FILE = "darts_lab_stats.json"


class CheckedImageFolder(datasets.ImageFolder):
    """ImageFolder whose unreadable image is a DataError naming the file."""

    def __init__(self, root: Path, transform: T.Compose | None, mode: str) -> None:
        try:
            super().__init__(str(root), transform=transform)
        except FileNotFoundError as e:  # torchvision: an empty class folder or none at all
            raise DataError(f"{root}: {e}") from None
        self.mode = mode  # "L" or "RGB": every image is converted to it

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        path, target = self.samples[i]
        try:
            with Image.open(path) as image:
                image = image.convert(self.mode)
        except (OSError, UnidentifiedImageError) as e:
            raise DataError(f"unreadable image {path}: {e}") from None
        return (self.transform(image) if self.transform else image), target


class ImageFolderDataModule(SearchDataModule):
    in_channels = 3  # 1 for a grayscale folder, once read
    num_classes = 0  # from the class folders
    option = "image_folder"  # how the user chose it, for error lines

    def __init__(
        self,
        *args: object,
        image_size: int = 32,
        test_fraction: float = 0.2,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.image_size, self.test_fraction = image_size, test_fraction

    # -- where things are --------------------------------------------------------------------
    def heldout_folder(self) -> Path | None:
        return next(
            (self.data_dir / n for n in ("val", "test") if (self.data_dir / n).is_dir()), None
        )

    def check(self) -> None:
        train = self.data_dir / "train"
        if not train.is_dir():
            raise DataError(
                f"no {train}: dataset={self.option} reads train/<class>/<images> under data_dir "
                f"(and val/ or test/ with the same classes); set data_dir=PATH"
            )
        classes = sorted(p.name for p in train.iterdir() if p.is_dir())
        if not classes:
            raise DataError(f"{train} holds no class folders (train/<class>/<images>)")
        heldout = self.heldout_folder()
        if heldout is not None:
            other = sorted(p.name for p in heldout.iterdir() if p.is_dir())
            if other != classes:
                missing = sorted(set(classes) ^ set(other))[0]
                where = heldout if missing in classes else train
                raise DataError(
                    f"class {missing!r} is missing from {where} (both splits need "
                    f"the same class folders)"
                )

    # -- how images become tensors -------------------------------------------------------------
    def mode(self) -> str:
        """Grayscale ("L") if the first training image is, else RGB."""
        first = next(p for p in sorted((self.data_dir / "train").rglob("*")) if p.is_file())
        try:
            with Image.open(first) as image:
                return "L" if image.mode in ("L", "I;16", "1") else "RGB"
        except (OSError, UnidentifiedImageError) as e:
            raise DataError(f"unreadable image {first}: {e}") from None

    def stats(self, mode: str) -> tuple[list[float], list[float]]:
        """Per-channel mean and std of the resized training images, cached beside the data."""
        cache = self.data_dir / STATS_FILE
        key = f"{mode}-{self.image_size}"
        cached = json.loads(cache.read_text()) if cache.is_file() else {}
        if key in cached:
            return cached[key]["mean"], cached[key]["std"]
        plain = CheckedImageFolder(self.data_dir / "train", self._resize(), mode)
        total = torch.zeros(3 if mode == "RGB" else 1, dtype=torch.float64)
        squares, pixels = total.clone(), 0
        for image, _ in plain:
            flat = image.flatten(1).double()
            total += flat.sum(1)
            squares += (flat**2).sum(1)
            pixels += flat.shape[1]
        mean = total / pixels
        std = (squares / pixels - mean**2).clamp_min(1e-12).sqrt()
        cached[key] = {"mean": mean.tolist(), "std": std.tolist(), "images": len(plain)}
        try:
            write_text(cache, json.dumps(cached, indent=1) + "\n")
        except OSError:
            log.warning("could not cache image statistics in %s (read-only?)", cache)
        return cached[key]["mean"], cached[key]["std"]

    def _resize(self) -> T.Compose:
        return T.Compose([T.Resize((self.image_size, self.image_size)), T.ToTensor()])

    def transforms(self, augment: bool, mean: list[float], std: list[float]) -> T.Compose:
        """Resize, then (search and retraining) a padded random crop and a flip, as CIFAR's."""
        size = self.image_size
        aug = [T.RandomCrop(size, padding=max(1, size // 8)), T.RandomHorizontalFlip()]
        return T.Compose(
            [
                T.Resize((size, size)),
                *(aug if augment else []),
                T.ToTensor(),
                T.Normalize(mean, std),
            ]
        )

    # -- what a SearchDataModule supplies --------------------------------------------------------
    def _sets(self) -> None:
        if getattr(self, "_train", None) is not None:
            return
        self.check()
        mode = self.mode()
        self.in_channels = 1 if mode == "L" else 3
        mean, std = self.stats(mode)
        train = CheckedImageFolder(self.data_dir / "train", self.transforms(True, mean, std), mode)
        self.num_classes = len(train.classes)
        plain = copy.copy(train)  # the same file list, scanned once
        plain.transform = self.transforms(False, mean, std)
        heldout = self.heldout_folder()
        if heldout is not None:
            self._train, self._plain = train, plain
            self._test = CheckedImageFolder(heldout, plain.transform, mode)
            return
        # one folder: a seeded test_fraction of it is the test set (the same for every run seed)
        order = torch.randperm(len(train), generator=torch.Generator().manual_seed(0)).tolist()
        n_test = max(1, round(self.test_fraction * len(train)))
        keep, test = order[n_test:], order[:n_test]
        self._train, self._plain = Subset(train, keep), Subset(plain, keep)
        self._test = Subset(plain, test)

    def search_sets(self) -> tuple[Dataset, Dataset]:
        self._sets()
        return self._train, self._plain

    def test_set(self) -> Dataset:
        self._sets()
        return self._test

    def train_targets(self) -> list[int]:
        self._sets()
        folder = self._train.dataset if isinstance(self._train, Subset) else self._train
        keep = self._train.indices if isinstance(self._train, Subset) else range(len(folder))
        return [folder.targets[i] for i in keep]

    def describe(self) -> str:
        return (
            f"{super().describe()}; {self.num_classes} classes, {self.in_channels} channel(s), "
            f"{self.image_size}×{self.image_size} from {self.data_dir}"
        )
