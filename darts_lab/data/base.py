"""Search data: the training set split into a w-train part and an α-val part.

Which images go where is the split's (data/split/, `dataset/split=`): random r/(r+1) by
default, NAS-Bench-201's or PC-DARTS's on request. GAEA's single-level ERM mode does not split
(`single_level=True`): all of it is w-train, and α-steps draw their own batches from it. The
test set is never seen during search, except as NAS-Bench-201's xvalid α data (half of it).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from pathlib import Path

import lightning as L
import torch
from torch.utils.data import DataLoader, Dataset, Subset

from darts_lab.config import ConfigError
from darts_lab.data.cutout import Cutout
from darts_lab.data.resumable import EpochShuffle, ResumableLoader
from darts_lab.data.split.base import NoSplit, SearchSplit
from darts_lab.data.split.nb201 import NB201Halves
from darts_lab.data.split.random import RandomSplit
from darts_lab.threads import loader_pinning, loader_workers

DEFAULT_SPLIT = RandomSplit()  # r/(r+1); stateless, so one object serves every datamodule


class SearchDataModule(L.LightningDataModule):
    inputs = "image"  # what its batches hold; the task and the search space must take the same
    in_channels: int
    num_classes: int
    image_size: int
    nb201_rule: type[SearchSplit] = NB201Halves  # NAS-Bench-201's split for this dataset

    def __init__(
        self,
        data_dir: str | Path = "data",
        batch_size: int = 64,
        num_workers: int | str = 0,
        pin_memory: bool | str = False,
        split_seed: int = 0,
        split: SearchSplit = DEFAULT_SPLIT,
        single_level: bool = False,
        schedule_ratio: float = 1.0,
        search_cutout: float = 0.0,
    ) -> None:
        super().__init__()
        if not isinstance(split, SearchSplit):  # e.g. dataset.split=nb201 replaced the node
            raise ConfigError(
                f"dataset.split={split!r} is not allowed: choose the split with "
                f"dataset/split=NAME (random, nb201, nb201_halves, nb201_xvalid, subsample)"
            )
        if not 0 <= search_cutout <= 1:
            raise ConfigError(f"dataset.search_cutout must be in [0, 1], got {search_cutout}")
        if batch_size < 1:
            raise ConfigError(f"dataset.batch_size must be a positive integer, got {batch_size}")
        self.data_dir = Path(data_dir).expanduser()
        self.batch_size = batch_size
        self.num_workers = loader_workers(num_workers)  # auto: from the node's cores
        self.pin_memory = loader_pinning(pin_memory)  # auto: where CUDA is
        self.split_seed = split_seed
        self.single_level = single_level  # GAEA ERM: every training image is w-train, no α-val
        self.split = NoSplit() if single_level else split
        self.schedule_ratio = schedule_ratio  # r w-steps per α-step: random's share r/(r+1)
        self.search_cutout = search_cutout  # the hole's side / the image's; 0: none
        self.w_indices: torch.Tensor | None = None
        self.a_indices: torch.Tensor | None = None

    # -- what a dataset supplies ------------------------------------------------------------
    def check(self) -> None:
        """Raise DataError naming the path and how to get the data if it is not there."""

    def search_sets(self) -> tuple[Dataset, Dataset]:
        """The training set twice: with search augmentation, and with evaluation transforms."""
        raise NotImplementedError

    def test_set(self) -> Dataset:
        raise NotImplementedError

    def image_transform(self, augment: bool) -> Callable:
        """The image transform of the search (augment) or of evaluation."""
        raise ConfigError(f"{type(self).__name__} has no search augmentation for a test set")

    def augmented(self, plain: Dataset) -> Dataset:
        """`plain` (a test set) with the search augmentation, for splits that draw α from it."""
        augmented = copy.copy(plain)  # the same images in memory
        augmented.transform = self.image_transform(augment=True)
        return augmented

    def train_targets(self) -> list[int]:
        """The training labels, for splits that keep the classes balanced."""
        targets = getattr(self.train_aug, "targets", None)
        if targets is None:
            raise ConfigError(f"{type(self).__name__} has no labels for a class-balanced split")
        return list(targets)

    # -- what the search asks of a datamodule ------------------------------------------------
    def space_sizes(self) -> dict:
        """The search space's data-given sizes."""
        return {"in_channels": self.in_channels, "num_classes": self.num_classes}

    def task_sizes(self) -> dict:
        return {"num_classes": self.num_classes}

    def trainer_options(self) -> dict:
        """What this data needs of the Lightning Trainer (nothing for images)."""
        return {}

    def describe(self) -> str:
        self.setup()
        return (
            f"data: {type(self).__name__}, {len(self.w_indices)} w-train and "
            f"{len(self.a_indices)} α-val images, batch {self.batch_size}"
        )

    def arch_stream(self, rank: int = 0, world: int = 1, skip: int = 0) -> Iterator:
        """Endless α batches (see `arch_dataloader`); `skip` = batches already drawn."""
        return cycle(self.arch_dataloader(rank, world), skip=skip)

    # -- the split and the loaders --------------------------------------------------------
    def setup(self, stage: str | None = None) -> None:
        if getattr(self, "train_aug", None) is not None:
            return
        self.train_aug, self.train_eval = self.search_sets()
        self.arch_aug, self.arch_eval = self.split.alpha_sets(self)
        if self.w_indices is None:  # else: from a checkpoint
            self.w_indices, self.a_indices = self.split.indices(self)

    def state_dict(self) -> dict:
        """The split travels in the checkpoint: a resumed run trains on the same halves."""
        return {"w_indices": self.w_indices, "a_indices": self.a_indices}

    def load_state_dict(self, state: dict) -> None:
        if state.get("w_indices") is not None:
            self.w_indices, self.a_indices = state["w_indices"], state["a_indices"]

    def device_batch(self, ranks: int | None = None) -> int:
        """`dataset.batch_size` is the global batch (as the papers' single-process and
        DataParallel runs): each of the run's `ranks` processes loads its equal share."""
        if ranks is None:
            ranks = self.trainer.world_size if self.trainer is not None else 1
        if self.batch_size % ranks:
            raise ConfigError(
                f"dataset.batch_size={self.batch_size} is the global batch and does not divide "
                f"among {ranks} devices (trainer.devices × trainer.num_nodes): choose a multiple"
            )
        return self.batch_size // ranks

    def _loader(
        self, dataset: Dataset, shuffle: bool, stream: int = 0, loader: type = DataLoader
    ) -> DataLoader:
        return loader(
            dataset,
            batch_size=self.device_batch(),
            sampler=EpochShuffle(len(dataset), self.split_seed * 2 + stream) if shuffle else None,
            num_workers=self.num_workers,
            pin_memory=self.pin_memory,
            persistent_workers=self.num_workers > 0,
        )

    def cut(self, augmented: Dataset) -> Dataset:
        """Search batches with Cutout (R-DARTS's drop-path runs: 16 px on CIFAR's 32, on every
        batch of both parts): a hole of `search_cutout` × the image side."""
        length = round(self.search_cutout * self.image_size)
        return Cutout(augmented, length) if length > 0 else augmented

    def train_dataloader(self) -> DataLoader:
        """w-train batches: the epoch is one pass over them, resumable mid-epoch."""
        w_train = Subset(self.cut(self.train_aug), self.w_indices.tolist())
        return self._loader(w_train, shuffle=True, loader=ResumableLoader)

    def arch_dataloader(self, rank: int = 0, world: int = 1) -> DataLoader:
        """α batches, drawn only when an α-step is due (see `cycle`); under DDP each rank draws
        from its own 1/world share. Bilevel: the α-val split. ERM (no split): the whole training
        set in a shuffle of its own, so the α batch is an independent draw, not the w batch
        (gaea_release's single-level search)."""
        source, pool = (
            (self.train_aug, self.w_indices)
            if self.single_level
            else (self.arch_aug, self.a_indices)
        )
        α_val = Subset(self.cut(source), pool[rank::world].tolist())
        return self._loader(α_val, shuffle=True, stream=1, loader=ResumableLoader)

    def val_dataloader(self) -> DataLoader:
        """The α-val split without augmentation, for the per-epoch validation accuracy."""
        return self._loader(Subset(self.arch_eval, self.a_indices.tolist()), shuffle=False)

    def test_dataloader(self) -> DataLoader:
        return self._loader(self.test_set(), shuffle=False)


def cycle(loader: ResumableLoader, skip: int = 0) -> Iterator:
    """Endless batches from a loader, reshuffled each pass, independent of the train loader.

    On resume, `skip` = batches already consumed: the pass they were in goes on where it
    stopped (nothing is loaded twice; torch's RNG is left as the checkpoint holds it)."""
    passes, skip = divmod(skip, len(loader))
    if skip:
        loader.load_state_dict({"epoch": passes, "served": skip})
    while True:
        loader.sampler.set_epoch(passes)
        yield from loader
        passes += 1
