"""Search data: the training set split into a w-train part and an α-val part.

The split fraction is r / (r + 1) for a schedule taking r w-steps per α-step (DARTS-PRIME §4.3),
0.5 for DARTS's alternating schedule. GAEA's single-level ERM mode does not split (`split=False`):
all of it is w-train, and α-steps draw their own batches from it. NAS-Bench-201's split
(`search_split=nb201`) is in nb201_split.py. The test set is never seen during search, except
as NAS-Bench-201's CIFAR-100 α data (half of it).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import lightning as L
import torch
from torch.utils.data import DataLoader, Dataset, Subset

from darts_lab.config import ConfigError, check_choice
from darts_lab.data import nb201_split, subsample
from darts_lab.data.resumable import EpochShuffle, ResumableLoader
from darts_lab.threads import loader_workers


class SearchDataModule(L.LightningDataModule):
    kind = "image"  # what its batches hold; the task and the search space must take the same
    in_channels: int
    num_classes: int
    image_size: int

    def __init__(
        self,
        data_dir: str | Path = "data",
        batch_size: int = 64,
        train_fraction: float = 0.5,
        num_workers: int | str = 0,
        pin_memory: bool = False,
        split_seed: int = 0,
        split: bool = True,
        search_split: str = "random",
        split_file: str | None = None,
        subsample_fractions: tuple[float, float] = (0.1, 0.025),
    ) -> None:
        super().__init__()
        if batch_size < 1:
            raise ConfigError(f"dataset.batch_size must be a positive integer, got {batch_size}")
        if not 0.0 < train_fraction < 1.0:
            raise ConfigError(
                f"the w-train/α-val split fraction must lie in (0, 1), got {train_fraction}"
            )
        self.data_dir = Path(data_dir).expanduser()
        self.batch_size = batch_size
        self.train_fraction = train_fraction
        self.num_workers = loader_workers(num_workers)  # auto: from the node's cores
        self.pin_memory = pin_memory
        self.split_seed = split_seed
        self.split = split  # False (GAEA ERM): every training image is w-train, no α-val
        check_choice("dataset.search_split", search_split, ("random", "nb201", "subsample"))
        self.search_split, self.split_file = search_split, split_file
        self.subsample_fractions = tuple(subsample_fractions)
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

    def arch_sets(self) -> tuple[Dataset, Dataset]:
        """Where α-val images come from, augmented and plain: the training set, except for
        NAS-Bench-201's CIFAR-100 protocol (half of the test set)."""
        return self.train_aug, self.train_eval

    def train_targets(self) -> list[int]:
        """The training labels, for splits that keep the classes balanced."""
        raise ConfigError(f"{type(self).__name__} has no search_split=subsample (image folders do)")

    def nb201_split(self) -> tuple[torch.Tensor, torch.Tensor]:
        """NAS-Bench-201's search split: half of the training set each (25k/25k on CIFAR-10)."""
        return nb201_split.training_halves(len(self.train_aug), self.split_file)

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
        self.arch_aug, self.arch_eval = self.arch_sets()
        if self.w_indices is not None:  # from a checkpoint
            return
        n = len(self.train_aug)
        if not self.split:
            self.w_indices, self.a_indices = torch.arange(n), torch.arange(0)
        elif self.search_split == "nb201":
            self.w_indices, self.a_indices = self.nb201_split()
        elif self.search_split == "subsample":  # PC-DARTS on ImageNet
            targets = self.train_targets()
            self.w_indices, self.a_indices = subsample.class_balanced(
                targets, self.subsample_fractions, self.split_seed
            )
        else:
            perm = torch.randperm(n, generator=torch.Generator().manual_seed(self.split_seed))
            n_w = min(max(1, round(self.train_fraction * n)), n - 1)
            self.w_indices, self.a_indices = perm[:n_w], perm[n_w:]

    def state_dict(self) -> dict:
        """The split travels in the checkpoint: a resumed run trains on the same halves."""
        return {"w_indices": self.w_indices, "a_indices": self.a_indices}

    def load_state_dict(self, state: dict) -> None:
        if state.get("w_indices") is not None:
            self.w_indices, self.a_indices = state["w_indices"], state["a_indices"]

    def _loader(
        self, dataset: Dataset, shuffle: bool, stream: int = 0, kind: type = DataLoader
    ) -> DataLoader:
        return kind(
            dataset,
            batch_size=self.batch_size,
            sampler=EpochShuffle(len(dataset), self.split_seed * 2 + stream) if shuffle else None,
            num_workers=self.num_workers,
            pin_memory=self.pin_memory,
            persistent_workers=self.num_workers > 0,
        )

    def train_dataloader(self) -> DataLoader:
        """w-train batches: the epoch is one pass over them, resumable mid-epoch."""
        w_train = Subset(self.train_aug, self.w_indices.tolist())
        return self._loader(w_train, shuffle=True, kind=ResumableLoader)

    def arch_dataloader(self, rank: int = 0, world: int = 1) -> DataLoader:
        """α batches, drawn only when an α-step is due (see `cycle`); under DDP each rank draws
        from its own 1/world share. Bilevel: the α-val split. ERM (no split): the whole training
        set in a shuffle of its own, so the α batch is an independent draw, not the w batch
        (gaea_release's single-level search)."""
        source, pool = (
            (self.arch_aug, self.a_indices) if self.split else (self.train_aug, self.w_indices)
        )
        α_val = Subset(source, pool[rank::world].tolist())
        return self._loader(α_val, shuffle=True, stream=1, kind=ResumableLoader)

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
