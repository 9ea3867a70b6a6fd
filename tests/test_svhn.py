"""The SVHN reader on tiny files written in the real format (MATLAB .mat, scipy.io.savemat):
X 32×32×3×N uint8, y N×1 with 10 for the digit 0; the search and retraining configs on them."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch
from scipy.io import savemat

from darts_lab.data.errors import DataError
from darts_lab.data.split.random import RandomSplit
from darts_lab.data.svhn import SVHN_STATS, SVHNDataModule
from darts_lab.search import run_search
from darts_lab.search_space.genotype import Genotype
from darts_lab.train import check_train
from tests.conftest import make_cfg, train_cfg


def write_svhn(root: Path, n: int, name: str = "train_32x32.mat", seed: int = 0) -> np.ndarray:
    """A .mat file as the official ones: images along the last axis, labels 1..10."""
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, (32, 32, 3, n), dtype=np.uint8)
    y = (np.arange(n) % 10 + 1).astype(np.uint8).reshape(n, 1)  # 1..10, 10 = the digit 0
    savemat(root / name, {"X": x, "y": y})
    return x


@pytest.fixture
def svhn_dir(tmp_path: Path) -> Path:
    write_svhn(tmp_path / "data", 20)
    write_svhn(tmp_path / "data", 10, "test_32x32.mat", seed=1)
    return tmp_path / "data"


def test_the_reader_maps_10_to_0_and_keeps_the_pixels(svhn_dir: Path) -> None:
    x = write_svhn(svhn_dir, 20)
    dm = SVHNDataModule(svhn_dir, batch_size=4, split=RandomSplit(0.5))
    dm.setup()
    assert dm.train_aug.targets == [i % 10 + 1 if i % 10 != 9 else 0 for i in range(20)]
    assert np.array_equal(dm.train_aug.data[3], x[:, :, :, 3])  # image 3, HWC
    assert len(dm.w_indices) == len(dm.a_indices) == 10 and len(dm.test_set()) == 10
    image, label = dm.train_eval[3]
    mean, std = SVHN_STATS  # R-DARTS's statistics
    expected = (
        torch.tensor(x[:, :, :, 3]).permute(2, 0, 1) / 255 - torch.tensor(mean)[:, None, None]
    )
    torch.testing.assert_close(image, expected / torch.tensor(std)[:, None, None])
    assert label == 4
    xb, yb = next(iter(dm.train_dataloader()))
    assert xb.shape == (4, 3, 32, 32) and yb.dtype == torch.long


def test_extra_joins_the_training_set(svhn_dir: Path) -> None:
    dm = SVHNDataModule(svhn_dir, extra=True)
    with pytest.raises(DataError, match=r"extra_32x32.mat is missing"):
        dm.check()
    write_svhn(svhn_dir, 6, "extra_32x32.mat", seed=2)
    dm.setup()
    assert len(dm.train_aug) == 26


def test_missing_files_are_one_line_naming_them_and_the_source(tmp_path: Path) -> None:
    with pytest.raises(DataError) as err:
        SVHNDataModule(tmp_path / "nowhere").check()
    message = str(err.value)
    assert "\n" not in message and "nowhere/train_32x32.mat is missing" in message
    assert "test_32x32.mat" in message and "http://ufldl.stanford.edu/housenumbers/" in message


@pytest.mark.parametrize("damage", ["garbage", "truncate", "no_labels", "bad_shape"])
def test_a_corrupt_file_is_one_line(svhn_dir: Path, damage: str) -> None:
    bad = svhn_dir / "train_32x32.mat"
    if damage in ("garbage", "truncate"):
        raw = bad.read_bytes()
        bad.write_bytes(b"not a MATLAB file" * 20 if damage == "garbage" else raw[: len(raw) // 2])
    elif damage == "no_labels":
        savemat(bad, {"X": np.zeros((32, 32, 3, 2), np.uint8)})
    else:
        savemat(bad, {"X": np.zeros((28, 28, 2), np.uint8), "y": np.ones((2, 1))})
    with pytest.raises(DataError, match=re.escape(f"corrupt or truncated SVHN file {bad}")) as e:
        SVHNDataModule(svhn_dir).setup()
    assert "\n" not in str(e.value)


def test_a_search_and_its_retraining_preset_on_svhn(svhn_dir: Path, tmp_path: Path) -> None:
    cfg = make_cfg(
        "dataset=svhn", f"data_dir={svhn_dir}", "dataset.batch_size=4",
        "trainer.limit_train_batches=1", "trainer.limit_val_batches=1",
    )  # fmt: skip
    genotype = run_search(cfg, tmp_path / "run")
    assert len(genotype.normal) == cfg.search_space.steps
    train = train_cfg("eval=svhn", f"data_dir={svhn_dir}")
    assert (train.model.layers, train.model.init_channels, train.cutout) == (8, 16, 16)
    check_train(train, Genotype, "eval=svhn")  # composes, builds, and finds its data
