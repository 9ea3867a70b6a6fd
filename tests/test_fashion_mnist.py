"""Fashion-MNIST (issue #35): the IDX reader on tiny files in the real format, the shipped
subset's rule and checksum, and a search and a retraining on it."""

import gzip
import re
from pathlib import Path

import numpy as np
import pytest

from darts_lab.data import fashion_mnist as fm
from darts_lab.data.errors import DataError
from darts_lab.data.idx import read_idx
from darts_lab.export.artifacts import write_genotype
from darts_lab.search import run_search
from darts_lab.train import run_train
from tests.conftest import make_cfg
from tests.test_train import DARTS_V2, train_cfg


def idx_bytes(array: np.ndarray) -> bytes:
    """The IDX encoding: 0, 0, 0x08 (unsigned byte), the dimension count, big-endian sizes."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(n).to_bytes(4, "big") for n in array.shape
    )
    return header + array.astype(np.uint8).tobytes()


def write_fashion(folder: Path, n_train: int = 40, n_test: int = 20, gz: bool = True) -> dict:
    """Official-format files: labels cycling 0-9, 28×28 images whose pixels encode their index."""
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for part, n in (("train", n_train), ("test", n_test)):
        y = (np.arange(n) * 7 + 3) % 10
        x = (np.arange(n)[:, None, None] * 5 + np.arange(28 * 28).reshape(28, 28)) % 256
        arrays[part] = (x.astype(np.uint8), y.astype(np.uint8))
        for name, array in zip(fm.FILES[part], arrays[part], strict=True):
            data = idx_bytes(array)
            if gz:
                (folder / f"{name}.gz").write_bytes(gzip.compress(data))
            else:
                (folder / name).write_bytes(data)
    return arrays


@pytest.mark.parametrize("gz", [True, False])
def test_idx_reader_reads_gzipped_and_plain_files(gz: bool, tmp_path: Path) -> None:
    arrays = write_fashion(tmp_path, gz=gz)
    x, y = fm.read_official(tmp_path, "train")
    np.testing.assert_array_equal(x, arrays["train"][0])
    np.testing.assert_array_equal(y, arrays["train"][1])


def test_idx_reader_refuses_bad_files_in_one_line(tmp_path: Path) -> None:
    write_fashion(tmp_path, gz=False)
    labels = tmp_path / "train-labels-idx1-ubyte"
    good = labels.read_bytes()
    cases = {
        "not an IDX file of 1-dimensional unsigned bytes (magic number 00000901": b"\0\0\x09\x01"
        + good[4:],
        "truncated or padded IDX file: header says 40 = 40 bytes, the file holds 39": good[:-1],
        "not a complete gzip file": gzip.compress(good)[:-9],
    }
    for says, data in cases.items():
        labels.write_bytes(data)
        with pytest.raises(DataError, match=re.escape(says)) as e:
            read_idx(labels, 1)
        assert "\n" not in str(e.value)
    labels.write_bytes(idx_bytes(np.zeros(39, np.uint8)))
    with pytest.raises(DataError, match="holds 40 images but .* holds 39 labels"):
        fm.read_official(tmp_path, "train")
    labels.unlink()
    with pytest.raises(DataError, match="lacks train-labels-idx1-ubyte.*t10k-labels-idx1-ubyte"):
        fm.read_official(tmp_path, "train")


def test_the_subset_rule_on_tiny_official_files(tmp_path: Path, monkeypatch) -> None:
    """The first `per_class` images of each class in file order, resized to 16 px, uint8."""
    arrays = write_fashion(tmp_path / "official")
    monkeypatch.setattr(fm, "PER_CLASS", {"train": 3, "test": 1})
    subset = fm.embedded_subset(tmp_path / "official")
    x, y = arrays["train"]
    expected = sorted(i for c in range(10) for i in np.flatnonzero(y == c)[:3])
    assert subset["index_train"].tolist() == expected and len(expected) == 30
    np.testing.assert_array_equal(subset["y_train"], y[expected])
    assert subset["x_train"].shape == (30, 16, 16) and subset["x_train"].dtype == np.uint8
    np.testing.assert_array_equal(subset["x_train"], fm.resize(x[expected], 16))
    assert subset["index_test"].tolist() == sorted(
        int(np.flatnonzero(arrays["test"][1] == c)[0]) for c in range(10)
    )


def test_the_shipped_subset_is_the_rules_output() -> None:
    assert fm.sha256(fm.SHIPPED) == fm.SHIPPED_SHA256
    with np.load(fm.SHIPPED) as shipped:
        for part, per_class in fm.PER_CLASS.items():
            x, y, index = shipped[f"x_{part}"], shipped[f"y_{part}"], shipped[f"index_{part}"]
            assert x.shape == (10 * per_class, 16, 16) and x.dtype == np.uint8
            assert np.bincount(y, minlength=10).tolist() == [per_class] * 10
            assert (np.diff(index) > 0).all()  # file order
    assert (fm.SHIPPED.parent / "FASHION_MNIST_LICENSE").read_text().count("Zalando SE") == 1


def test_a_search_on_the_official_files_and_on_the_shipped_subset(tmp_path: Path) -> None:
    write_fashion(tmp_path / "data" / "fashion-mnist", n_train=64)
    official = make_cfg("dataset=fashion_mnist", f"data_dir={tmp_path / 'data'}",
                        "dataset.image_size=12", "dataset.batch_size=16")  # fmt: skip
    run_search(official, tmp_path / "official")
    embedded = make_cfg("dataset=fashion_mnist", "dataset.embedded=true", "dataset.image_size=16",
                        "trainer.limit_train_batches=3", "trainer.limit_val_batches=2")  # fmt: skip
    run_search(embedded, tmp_path / "embedded")
    for run in ("official", "embedded"):
        assert (tmp_path / run / "status").read_text().startswith("finished")


def test_a_retraining_on_the_shipped_subset(tmp_path: Path) -> None:
    (tmp_path / "search").mkdir()
    write_genotype(tmp_path / "search", DARTS_V2)
    cfg = train_cfg(
        f"genotype={tmp_path / 'search'}",
        "eval=fashion_mnist",
        "dataset.embedded=true",
        "dataset.image_size=16",
        "trainer.max_epochs=1",
        "trainer.limit_train_batches=3",
        "trainer.enable_progress_bar=false",
        "logger=none",
        "model.layers=3",
        "model.init_channels=4",
    )
    result = run_train(cfg, tmp_path / "train")
    assert 0.0 <= result["test_acc"] <= 1.0 and result["epochs"] == 1


def test_the_embedded_subset_is_16px_or_smaller() -> None:
    from darts_lab.config import ConfigError

    with pytest.raises(ConfigError, match="the embedded Fashion-MNIST subset is 16×16"):
        fm.FashionMNISTDataModule(embedded=True, image_size=28)
