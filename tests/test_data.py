"""The real CIFAR readers on tiny datasets written in the real python-pickle format."""

import json
from pathlib import Path

import pytest
import torch

from darts_lab.data.cifar import CIFAR100DataModule, CIFARDataModule
from darts_lab.data.errors import DataError
from darts_lab.data.split.nb201 import NB201
from darts_lab.data.split.random import RandomSplit
from darts_lab.search import run_search
from tests.conftest import make_cfg, write_cifar


def test_cifar10_reads_pickle_batches(cifar_dir: Path) -> None:
    dm = CIFARDataModule(cifar_dir, batch_size=4, split=RandomSplit(0.5), num_workers=0)
    dm.setup()
    assert len(dm.w_indices) == 10 and len(dm.a_indices) == 10
    x, y = next(iter(dm.train_dataloader()))
    assert x.shape == (4, 3, 32, 32) and x.dtype == torch.float32
    assert y.dtype == torch.long and int(y.max()) < 10
    xt, _ = next(iter(dm.test_dataloader()))
    assert xt.shape == (4, 3, 32, 32)
    # normalised with the CIFAR-10 statistics: uniform bytes land around (0.5 - 0.49) / 0.25
    assert -2.5 < float(xt.mean()) < 2.5 and float(xt.std()) > 0.5


def test_cifar100_reads_pickle_files(tmp_path: Path) -> None:
    write_cifar(tmp_path, n_train=12, n_test=4, classes=100)
    dm = CIFAR100DataModule(tmp_path, batch_size=4, split=RandomSplit(0.75))
    dm.setup()
    assert dm.num_classes == 100 and len(dm.w_indices) == 9
    assert next(iter(dm.val_dataloader()))[0].shape == (3, 3, 32, 32)


def test_missing_cifar_names_path_and_source(tmp_path: Path) -> None:
    dm = CIFARDataModule(tmp_path / "nowhere")
    with pytest.raises(
        DataError,
        match=r"nowhere/cifar-10-batches-py/data_batch_1 is missing.*"
        r"cifar-10-python.tar.gz",
    ):
        dm.check()


def test_search_on_tiny_cifar10(cifar_dir: Path, tmp_path: Path) -> None:
    cfg = make_cfg(
        "dataset=cifar10",
        f"data_dir={cifar_dir}",
        "dataset.batch_size=4",
        "dataset.num_workers=0",
        "dataset.pin_memory=false",
        "trainer.limit_train_batches=2",
        "trainer.limit_val_batches=1",
    )
    genotype = run_search(cfg, tmp_path / "run")
    assert len(genotype.normal) == cfg.search_space.steps  # a pair of inputs per node
    assert (tmp_path / "run" / "genotype.json").exists()


@pytest.mark.parametrize("damage", ["truncate", "garbage"])
def test_corrupt_cifar_file_is_named(cifar_dir: Path, damage: str) -> None:
    bad = cifar_dir / "cifar-10-batches-py" / "data_batch_3"
    raw = bad.read_bytes()
    bad.write_bytes(raw[: len(raw) // 2] if damage == "truncate" else b"not a pickle at all")
    dm = CIFARDataModule(cifar_dir)
    with pytest.raises(DataError, match=r"corrupt or truncated CIFAR10 file .*data_batch_3"):
        dm.setup()


def test_split_travels_in_the_datamodule_state(cifar_dir: Path) -> None:
    dm = CIFARDataModule(cifar_dir, batch_size=4)
    dm.setup()
    other = CIFARDataModule(cifar_dir, batch_size=4, split_seed=99)
    other.load_state_dict(dm.state_dict())
    other.setup()
    assert torch.equal(other.w_indices, dm.w_indices)


def test_nb201_split_on_cifar100_uses_the_test_half_for_alpha(tmp_path: Path) -> None:
    """NAS-Bench-201 / GAEA: w on every training image, α on "xvalid" (half the test set)."""
    write_cifar(tmp_path, n_train=12, n_test=8, classes=100)
    dm = CIFAR100DataModule(tmp_path, batch_size=4, split=NB201())
    dm.setup()
    assert dm.w_indices.tolist() == list(range(12)) and len(dm.a_indices) == 4
    assert len(dm.arch_dataloader().dataset) == 4 and len(dm.val_dataloader().dataset) == 4
    assert dm.arch_aug.train is False and dm.arch_aug.transform is not dm.arch_eval.transform
    # the benchmark's own split file, in its config format
    split = tmp_path / "cifar100-test-split.txt"
    split.write_text(json.dumps({"xvalid": ["int", ["1", "5", "6", "7"]], "xtest": ["int", []]}))
    dm = CIFAR100DataModule(tmp_path, batch_size=4, split=NB201(file=str(split)))
    dm.setup()
    assert dm.a_indices.tolist() == [1, 5, 6, 7] and len(dm.w_indices) == 12
    x, _ = dm.arch_eval[5]  # α-val image 5 is test image 5
    torch.testing.assert_close(x, dm.test_set()[5][0])


def test_nb201_split_on_cifar10_is_two_training_halves(cifar_dir: Path, tmp_path: Path) -> None:
    dm = CIFARDataModule(cifar_dir, batch_size=4, split=NB201(), schedule_ratio=9.0)
    dm.setup()  # 25k/25k on the real data: half each, whatever the schedule's fraction
    assert len(dm.w_indices) == len(dm.a_indices) == 10
    assert not set(dm.w_indices.tolist()) & set(dm.a_indices.tolist())
    split = tmp_path / "cifar-split.txt"
    split.write_text(json.dumps({"train": ["int", ["0", "2"]], "valid": ["int", ["1", "99"]]}))
    with pytest.raises(DataError, match="indices outside the 20 images"):
        CIFARDataModule(cifar_dir, split=NB201(file=str(split))).setup()
    with pytest.raises(DataError, match="does not exist"):
        CIFARDataModule(cifar_dir, split=NB201(file="/nowhere.txt")).setup()


def test_nb201_experiments_use_the_nb201_split() -> None:
    split = make_cfg("+experiment=gaea_darts_bilevel", "dataset=cifar100").dataset.split
    assert split._target_ == "darts_lab.data.split.nb201.NB201"


def test_nb201_cifar10_split_rule_reproduces_the_benchmark_file() -> None:
    """Without a split file the training halves follow NAS-Bench-201's generating rule; entries
    of its cifar-split.txt (50k images): train[10] = 26, valid[111] = 242."""
    from darts_lab.data.split.nb201 import training_halves

    train, valid = training_halves(50_000, None)
    assert len(train) == len(valid) == 25_000
    assert int(train[10]) == 26 and int(valid[111]) == 242
    assert len(set(train.tolist()) | set(valid.tolist())) == 50_000
