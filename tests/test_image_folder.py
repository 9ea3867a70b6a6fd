"""Your own images and ILSVRC-2012: ImageFolder trees of tiny real image files (PNG, JPEG)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from hydra import compose, initialize_config_dir
from PIL import Image

from darts_lab.data.errors import DataError
from darts_lab.data.image_folder import STATS_FILE, ImageFolderDataModule
from darts_lab.data.imagenet import ImageNetDataModule
from darts_lab.data.split.subsample import Subsample, class_balanced
from darts_lab.export.artifacts import read_status
from darts_lab.report import report
from darts_lab.search import run_search
from darts_lab.train import run_train
from tests.conftest import CONF_DIR, make_cfg


def write_tree(
    root: Path,
    classes: int = 2,
    per_class: int = 6,
    mode: str = "L",
    suffix: str = "png",
    parts: tuple[str, ...] = ("train",),
) -> Path:
    """`parts`/<class>/<i>.<suffix>, half of the images 12×12 and half 20×16."""
    rng = np.random.default_rng(0)
    for part in parts:
        for c in range(classes):
            folder = root / part / f"class{c}"
            folder.mkdir(parents=True)
            for i in range(per_class):
                h, w = (12, 12) if i % 2 else (20, 16)
                shape = (h, w) if mode == "L" else (h, w, 3)
                pixels = rng.integers(0, 256, shape, dtype=np.uint8)
                Image.fromarray(pixels, mode=mode).save(folder / f"{i}.{suffix}")
    return root


def test_grayscale_folder_of_two_sizes(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "mine")
    data = ImageFolderDataModule(root, image_size=8, test_fraction=0.25, single_level=True)
    data.setup()
    assert (data.in_channels, data.num_classes) == (1, 2)
    assert len(data.train_aug) == 9 and len(data.test_set()) == 3  # 12 images, 1/4 held out
    image, label = data.train_eval[0]
    assert image.shape == (1, 8, 8) and label in (0, 1)
    # the cached statistics are the mean and std of the resized training images (all 12)
    stats = json.loads((root / STATS_FILE).read_text())["L-8"]
    resize = data._resize()
    pixels = torch.cat(
        [
            resize(Image.open(p).convert("L")).flatten()
            for p in sorted((root / "train").rglob("*.png"))
        ]
    ).double()
    assert stats["mean"][0] == pytest.approx(float(pixels.mean()), abs=1e-9)
    assert stats["std"][0] == pytest.approx(float(pixels.std(unbiased=False)), abs=1e-9)


def test_colour_folder_with_val(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "mine", classes=3, mode="RGB", parts=("train", "val"))
    data = ImageFolderDataModule(root, image_size=16, single_level=True)
    data.setup()
    assert (data.in_channels, data.num_classes) == (3, 3)
    assert len(data.train_aug) == 18 and len(data.test_set()) == 18
    assert data.test_set()[0][0].shape == (3, 16, 16)


def test_bad_folders_are_one_line(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"no .*train: dataset=image_folder reads"):
        ImageFolderDataModule(tmp_path / "nothing").check()
    root = write_tree(tmp_path / "a", parts=("train", "val"))
    (root / "val" / "class1").rename(root / "val" / "other")
    with pytest.raises(DataError, match="class 'class1' is missing from .*val"):
        ImageFolderDataModule(root).check()
    root = write_tree(tmp_path / "b")
    (root / "train" / "empty").mkdir()
    with pytest.raises(DataError, match="empty"):
        ImageFolderDataModule(root).setup()
    root = write_tree(tmp_path / "c")
    (root / "train" / "class0" / "9.png").write_bytes(b"not an image")
    data = ImageFolderDataModule(root, image_size=8)
    with pytest.raises(DataError, match=r"unreadable image .*9\.png"):
        data.setup()


def test_class_balanced_subsample_by_hand() -> None:
    targets = [0] * 40 + [1] * 80 + [2] * 120
    w, a = class_balanced(targets, (0.1, 0.025), seed=3)
    labels = torch.tensor(targets)
    assert torch.bincount(labels[w]).tolist() == [4, 8, 12]
    assert torch.bincount(labels[a]).tolist() == [1, 2, 3]
    assert not set(w.tolist()) & set(a.tolist())
    assert class_balanced(targets, (0.1, 0.025), seed=3)[0].tolist() == w.tolist()
    with pytest.raises(DataError, match="split.fractions"):
        class_balanced(targets, (0.9, 0.2), seed=0)


def test_search_then_retrain_on_own_images(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "mine", per_class=12)
    retrain = [
        "dataset=image_folder",
        "dataset.image_size=8",
        "trainer.max_epochs=1",
        "model.layers=2",
        "model.init_channels=4",
        "logger=none",
        "trainer.enable_progress_bar=false",
    ]
    cfg = make_cfg(
        "dataset=image_folder",
        f"data_dir={root}",
        "dataset.image_size=8",
        "dataset.batch_size=8",
        "then_train=digits",
        "train_overrides=[" + ",".join(f'"{o}"' for o in retrain) + "]",
    )
    run_search(cfg, tmp_path / "run")
    assert read_status(tmp_path / "run" / "train") == "finished"
    result = json.loads((tmp_path / "run" / "train" / "result.json").read_text())
    assert 0 <= result["test_acc"] <= 1
    # the report reads the run as a one-job multirun (Hydra's record of its overrides)
    (tmp_path / "run" / ".hydra").mkdir()
    (tmp_path / "run" / ".hydra" / "overrides.yaml").write_text("- dataset=image_folder\n")
    _, rows = report(tmp_path)
    assert rows[0]["seeds"] == "1/1"
    error = float(rows[0]["test error (%)"].split(" ± ")[0])
    assert error == pytest.approx(100 * (1 - result["test_acc"]), abs=0.01)


def write_imagenet(root: Path, classes: int = 6, per_class: int = 40) -> Path:
    write_tree(
        root, classes=classes, per_class=per_class, mode="RGB", suffix="JPEG", parts=("train",)
    )
    write_tree(root / "tmp", classes=classes, per_class=2, mode="RGB", suffix="JPEG")
    (root / "tmp" / "train").rename(root / "val")
    return root


def test_imagenet_layout_subsample_and_search(tmp_path: Path) -> None:
    root = write_imagenet(tmp_path / "ilsvrc")
    data = ImageNetDataModule(root, image_size=32, split=Subsample(), split_seed=1)
    data.setup()
    assert (data.num_classes, len(data.w_indices), len(data.a_indices)) == (6, 24, 6)
    assert len(data.test_set()) == 12 and data.test_set()[0][0].shape == (3, 32, 32)
    cfg = make_cfg(
        "+experiment=pcdarts_imagenet",
        f"data_dir={root}",
        "dataset.image_size=32",
        "dataset.batch_size=8",
        "arch_warmup_epochs=0",
        "trainer.max_epochs=1",
        "search_space.partial_channels=2",
        "search_space.init_channels=4",
    )
    run_search(cfg, tmp_path / "run")
    assert read_status(tmp_path / "run") == "finished"


def test_imagenet_retraining_reports_top5(tmp_path: Path) -> None:
    root = write_imagenet(tmp_path / "ilsvrc")
    run_search(make_cfg("trainer.limit_train_batches=1"), tmp_path / "search")
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        cfg = compose(
            "train",
            overrides=[
                "eval=imagenet",
                f"genotype={tmp_path / 'search'}",
                f"data_dir={root}",
                "dataset.image_size=64",
                "dataset.batch_size=16",
                "dataset.num_workers=0",
                "model.init_channels=8",
                "model.layers=3",
                "trainer.max_epochs=1",
                "optimizer.warmup_epochs=0",
                "logger=none",
                "trainer.enable_progress_bar=false",
            ],
        )
    result = run_train(cfg, tmp_path / "train")
    assert 0 <= result["test_acc"] <= result["test_acc5"] <= 1
