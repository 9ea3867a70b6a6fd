"""Shared helpers: compose the real configs in-process (Hydra's compose API) at tiny sizes."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import pytest
from hydra import compose, initialize_config_dir
from hydra.utils import get_class
from omegaconf import DictConfig

os.environ["WANDB_MODE"] = "offline"
if os.environ.get("PYTEST_XDIST_WORKER"):  # `make test` runs 2 workers on 2 cores: 1 thread each
    # and so does every process a test starts (a search's CLI, a sweep's jobs): a child with
    # torch's default of 2 threads beside the other worker oversubscribes the cores, and its
    # spinning OpenMP threads slowed the whole suite several-fold
    os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = "1"
    import torch

    torch.set_num_threads(1)
os.environ.setdefault("WANDB_SILENT", "true")

CONF_DIR = str(Path(__file__).resolve().parents[1] / "conf")


def options(group: str) -> list[str]:
    """The options of a config group, read from conf/ (no hand-kept lists in the tests)."""
    return sorted(p.stem for p in (Path(CONF_DIR) / group).glob("*.yaml"))


# The one shared "tiny" override set: one digits epoch in seconds on 2 CPU cores. The supernet
# sizes come from each search space's own `tiny` (search_space/base.py), applied unless the test
# sets that key itself.
TINY = [
    "dataset.batch_size=32",
    "trainer.max_epochs=1",
    "trainer.enable_progress_bar=false",
    "logger=none",
    "figures=false",  # ~40 % of a tiny search; the tests of the figures set figures=true
]


def make_cfg(*overrides: str, tiny: bool = True) -> DictConfig:
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        cfg = compose("search", overrides=[*(TINY if tiny else []), *overrides])
    if tiny:
        space = get_class(cfg.search_space._target_)
        for key, value in space.tiny_sizes(cfg.search_space).items():
            if not any(o.startswith(f"search_space.{key}=") for o in overrides):
                cfg.search_space[key] = value
    return cfg


def train_cfg(*overrides: str) -> DictConfig:
    """darts_lab.train's config, composed in-process."""
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        return compose("train", overrides=list(overrides))


def write_cifar(root: Path, n_train: int = 20, n_test: int = 10, classes: int = 10) -> Path:
    """A tiny CIFAR in the real python-pickle layout torchvision reads."""
    hundred = classes == 100
    folder = root / ("cifar-100-python" if hundred else "cifar-10-batches-py")
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    label_key = "fine_labels" if hundred else "labels"

    def batch(name: str, n: int) -> None:
        data = {
            "data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
            label_key: [int(i % classes) for i in range(n)],
            "batch_label": name,
            "filenames": [f"{name}_{i}.png" for i in range(n)],
        }
        with open(folder / name, "wb") as f:
            pickle.dump(data, f)

    if hundred:
        batch("train", n_train)
        batch("test", n_test)
        meta = {"fine_label_names": [f"c{i}" for i in range(100)]}
    else:
        for i in range(1, 6):
            batch(f"data_batch_{i}", n_train // 5)
        batch("test_batch", n_test)
        meta = {"label_names": [f"c{i}" for i in range(10)]}
    with open(folder / ("meta" if hundred else "batches.meta"), "wb") as f:
        pickle.dump(meta, f)
    return folder


@pytest.fixture
def cifar_dir(tmp_path: Path) -> Path:
    write_cifar(tmp_path / "data")
    return tmp_path / "data"


# The files whose tests take longest (measured: --durations), heaviest first. They are collected
# first, so that `make test`'s two workers (pytest-xdist worksteal) end on short tests instead of
# one worker running a 80 s test while the other idles.
SLOW_FIRST = (
    "test_requeue",
    "test_reliability",
    "test_perf",
    "test_ddp",
    "test_console",
    "test_gpu_check",
    "test_sweeps",
    "test_w_optimizer",
    "test_search",
    "test_combinations",
    "test_preemption",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def weight(item: pytest.Item) -> int:
        stem = Path(str(item.fspath)).stem
        return SLOW_FIRST.index(stem) if stem in SLOW_FIRST else len(SLOW_FIRST)

    items.sort(key=weight)  # stable: the order within a file and among the others is kept
