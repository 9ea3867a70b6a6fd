"""The search split as its own config group (conf/dataset/split/, darts_lab/data/split/): every
option composes with every image dataset, and each rule gives the hand-computed sizes."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from hydra.utils import instantiate
from torch.utils.data import TensorDataset

from darts_lab.config import ConfigError
from darts_lab.data.base import SearchDataModule
from darts_lab.data.cifar import CIFAR100DataModule, CIFARDataModule
from darts_lab.data.split.nb201 import NB201, NB201Halves, NB201XValid
from darts_lab.data.split.random import RandomSplit
from darts_lab.data.split.subsample import Subsample
from tests.conftest import make_cfg, options, write_cifar


class Labelled(SearchDataModule):
    """22 training images of two classes (16 of class 0, 6 of class 1), 4 test images."""

    in_channels, num_classes, image_size = 1, 2, 2

    def search_sets(self) -> tuple[TensorDataset, TensorDataset]:
        train = TensorDataset(torch.zeros(22, 1, 2, 2), torch.tensor([0] * 16 + [1] * 6))
        train.targets = [0] * 16 + [1] * 6
        return train, train

    def test_set(self) -> TensorDataset:
        return TensorDataset(torch.zeros(4, 1, 2, 2), torch.zeros(4, dtype=torch.long))


def sizes(data: SearchDataModule) -> tuple[int, int]:
    """w-train and α-val sizes; disjoint when both index the training set."""
    data.setup()
    if data.arch_aug is data.train_aug:
        assert not set(data.w_indices.tolist()) & set(data.a_indices.tolist())
    return len(data.w_indices), len(data.a_indices)


def test_random_split_follows_the_schedule_unless_fixed() -> None:
    # r/(r+1) of 22: r = 1 → 11, r = 10 (CS10, FIMT) → round(22 · 10/11) = 20
    assert sizes(Labelled()) == (11, 11)
    assert sizes(Labelled(schedule_ratio=10.0)) == (20, 2)
    assert sizes(Labelled(split=RandomSplit(0.25), schedule_ratio=10.0)) == (6, 16)  # 5.5 → 6
    with pytest.raises(ConfigError, match=r"split.train_fraction=1 is not allowed"):
        RandomSplit(1)


def test_subsample_keeps_each_class_share() -> None:
    # per class: round(0.5 · 16) = 8 and round(0.25 · 16) = 4; round(0.5 · 6) = 3, round(1.5) = 2
    data = Labelled(split=Subsample((0.5, 0.25)))
    assert sizes(data) == (11, 6)
    labels = torch.tensor(data.train_targets())
    assert torch.bincount(labels[data.a_indices]).tolist() == [4, 2]


def test_single_level_trains_on_everything_whatever_the_split() -> None:
    data = Labelled(split=Subsample((0.5, 0.25)), single_level=True)
    assert sizes(data) == (22, 0)
    assert len(data.arch_dataloader().dataset) == 22  # α batches come from the training set


def test_nb201_follows_the_dataset_and_the_explicit_rules_override_it(tmp_path: Path) -> None:
    write_cifar(tmp_path, n_train=12, n_test=8, classes=100)
    write_cifar(tmp_path, n_train=20, n_test=8, classes=10)
    assert sizes(CIFARDataModule(tmp_path, split=NB201())) == (10, 10)  # halves
    assert sizes(CIFAR100DataModule(tmp_path, split=NB201())) == (12, 4)  # xvalid
    assert sizes(CIFAR100DataModule(tmp_path, split=NB201Halves())) == (6, 6)
    cifar10 = CIFARDataModule(tmp_path, split=NB201XValid())
    assert sizes(cifar10) == (20, 4) and cifar10.arch_aug.train is False


def test_xvalid_needs_a_dataset_with_search_augmentation() -> None:
    with pytest.raises(ConfigError, match="Labelled has no search augmentation"):
        Labelled(split=NB201XValid()).setup()


@pytest.mark.parametrize("split", options("dataset/split"))
def test_every_split_composes_and_builds(split: str) -> None:
    """Each option of the group composes with an image dataset and builds its split object."""
    cfg = make_cfg("dataset=cifar10", f"dataset/split={split}")
    built = instantiate(cfg.dataset.split)
    assert type(built).__module__ == f"darts_lab.data.split.{split.split('_')[0]}"


def test_split_options_are_per_dataset_defaults() -> None:
    """ImageNet searches on PC-DARTS's subsample, every other image dataset on random."""
    for dataset in ("digits", "cifar10", "cifar100", "imagenet16_120", "image_folder"):
        assert make_cfg(f"dataset={dataset}").dataset.split._target_.endswith("RandomSplit")
    assert make_cfg("dataset=imagenet").dataset.split._target_.endswith("Subsample")
    cfg = make_cfg("dataset=imagenet", "dataset/split=random", "dataset.split.train_fraction=0.5")
    assert instantiate(cfg.dataset.split).train_fraction == 0.5
