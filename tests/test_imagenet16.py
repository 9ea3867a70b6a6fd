"""NAS-Bench-201's ImageNet16-120 from tiny files in its real format (pickled batches)."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from darts_lab.data.errors import DataError
from darts_lab.data.imagenet16 import MEAN, TRAIN_FILES, ImageNet16DataModule
from darts_lab.data.split.nb201 import NB201
from darts_lab.export.artifacts import read_status
from darts_lab.search import build, run_search
from tests.conftest import make_cfg


def write_imagenet16(root: Path, per_file: int = 26, val: int = 20) -> Path:
    """train_data_batch_1..10 and val_data: 1-based labels cycling over 1..130, so 10 of them
    fall outside the 120 classes NAS-Bench-201 keeps."""
    folder = root / "ImageNet16"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    start = 0
    for name in (*TRAIN_FILES, "val_data"):
        n = val if name == "val_data" else per_file
        labels = [(start + i) % 130 + 1 for i in range(n)]
        start += n
        entry = {"data": rng.integers(0, 256, (n, 3 * 16 * 16), dtype=np.uint8), "labels": labels}
        with open(folder / name, "wb") as f:
            pickle.dump(entry, f)
    return folder


@pytest.fixture
def imagenet16(tmp_path: Path) -> Path:
    write_imagenet16(tmp_path / "data")
    return tmp_path / "data"


def test_reader_keeps_the_first_120_classes_zero_based(imagenet16: Path) -> None:
    data = ImageNet16DataModule(imagenet16, single_level=True)
    data.setup()
    labels = np.array(data.train_aug.targets)
    # 260 training images, labels (i % 130) + 1: those with label <= 120 stay
    assert len(labels) == sum(1 for i in range(260) if i % 130 + 1 <= 120) == 240
    assert labels.min() == 0 and labels.max() == 119
    assert len(data.test_set()) == sum(1 for i in range(260, 280) if i % 130 + 1 <= 120)
    image, label = data.train_eval[0]
    assert image.shape == (3, 16, 16) and isinstance(label, int)
    raw = data.train_eval.data[0]  # HWC uint8, as stored (C-major rows in the file)
    expected = torch.tensor(raw).permute(2, 0, 1).float() / 255 - torch.tensor(MEAN)[:, None, None]
    torch.testing.assert_close(
        image * torch.tensor([63.22, 61.26, 65.09])[:, None, None] / 255,
        expected,
        atol=1e-5,
        rtol=0,
    )


def test_nb201_split_uses_the_xvalid_half_of_val(imagenet16: Path, tmp_path: Path) -> None:
    split = tmp_path / "imagenet-16-120-test-split.txt"
    split.write_text(json.dumps({"xvalid": ["int", ["0", "2", "4"]], "xtest": ["int", ["1"]]}))
    data = ImageNet16DataModule(imagenet16, split=NB201(file=str(split)))
    data.setup()
    assert data.w_indices.tolist() == list(range(240))
    assert data.a_indices.tolist() == [0, 2, 4]
    assert data.arch_eval is data.test_set()


def test_missing_files_name_what_to_fetch(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"ImageNet16-120 not found: .*train_data_batch_1"):
        ImageNet16DataModule(tmp_path).check()


def test_corrupt_batch_is_one_line(imagenet16: Path) -> None:
    (imagenet16 / "ImageNet16" / "train_data_batch_3").write_bytes(b"\x80\x04 not a pickle")
    with pytest.raises(DataError, match="ImageNet16"):
        ImageNet16DataModule(imagenet16).setup()


def test_nb201_search_on_imagenet16_120(imagenet16: Path, tmp_path: Path) -> None:
    cfg = make_cfg(
        "+experiment=darts_bilevel_nb201",
        "dataset=imagenet16_120",
        f"data_dir={imagenet16}",
        "dataset.batch_size=32",
        "trainer.limit_train_batches=2",
    )
    module, data, _, _, _ = build(cfg, tmp_path / "built")
    assert module.net.classifier.out_features == 120 and data.w_indices.tolist() == list(range(240))
    run_search(cfg, tmp_path / "run")
    assert read_status(tmp_path / "run") == "finished"
