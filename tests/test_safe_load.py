"""Safe loading: hostile files are refused before their payload runs; the formats darts_lab reads
load with exactly the globals they need; a checkpoint of another search is refused by name."""

from __future__ import annotations

import json
import pickle
import random
from pathlib import Path

import numpy as np
import pytest
import torch

from darts_lab.config import ConfigError
from darts_lab.data.cifar import CIFARDataModule
from darts_lab.data.errors import DataError
from darts_lab.lit.fingerprint import check_resume
from darts_lab.oracle.nb201 import Nb201Oracle, load_benchmark
from darts_lab.report import report
from darts_lab.safe_load import load_pickle, load_torch
from darts_lab.search import run_search
from tests.conftest import make_cfg, write_cifar
from tests.hostile import Payload, hostile_checkpoint, hostile_pickle
from tests.test_nb201 import ARCH, write_benchmark

FAST = ("trainer.limit_train_batches=2", "trainer.limit_val_batches=1")


def test_the_payload_really_runs_under_plain_pickle(tmp_path: Path) -> None:
    """The hostile files of these tests are real: plain unpickling runs their command."""
    marker = tmp_path / "marker"
    path = hostile_pickle(tmp_path / "x.pkl", marker)
    with open(path, "rb") as f:
        pickle.load(f)  # noqa: S301 - the point of the test
    assert marker.exists()


def test_hostile_checkpoint_is_refused_and_never_runs(tmp_path: Path) -> None:
    run_search(make_cfg(*FAST), tmp_path / "run")
    marker = tmp_path / "marker"
    bad = hostile_checkpoint(tmp_path / "run/checkpoints/last.ckpt", tmp_path / "bad.ckpt", marker)
    with pytest.raises(ConfigError, match=r"resume=.*bad.ckpt holds a pickled posix.system") as e:
        run_search(make_cfg(*FAST, "trainer.max_epochs=2", f"resume={bad}"), tmp_path / "again")
    assert "\n" not in str(e.value) and not marker.exists()
    assert not (tmp_path / "again" / "checkpoints").exists()


def test_hostile_benchmark_and_dataset_files_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    nb201 = tmp_path / "nb201.pth"
    torch.save({"meta_archs": [], "arch2infos": Payload(marker), "evaluated_indexes": []}, nb201)
    with pytest.raises(ConfigError, match=r"oracle.data_file=.*which is code, not data"):
        Nb201Oracle(nb201)
    plain = hostile_pickle(tmp_path / "plain.pth", marker)  # a plain pickle, not torch's format
    with pytest.raises(ConfigError, match=r"plain.pth is not a readable benchmark file.*operand"):
        load_torch(plain, "benchmark file")  # torch refuses its opcodes before any global
    legacy = tmp_path / "legacy.pth"  # torch's own legacy (non-zip) format
    torch.save({"x": Payload(marker)}, legacy, _use_new_zipfile_serialization=False)
    with pytest.raises(ConfigError, match="legacy.pth holds a pickled posix.system"):
        load_torch(legacy, "benchmark file")
    cifar = tmp_path / "data"
    hostile_pickle(write_cifar(cifar) / "test_batch", marker)
    with pytest.raises(DataError, match=r"test_batch holds a pickled posix.system"):
        CIFARDataModule(cifar).test_set()
    assert not marker.exists()


def test_real_nb201_format_needs_exactly_the_numpy_scalar(tmp_path: Path) -> None:
    """The released files: torch's legacy (non-zip) format written with numpy 1.x, each
    result's `params` a numpy float64 (GLOBAL numpy.core.multiarray.scalar). Reproduced by
    writing that layout and naming the 1.x module as those files do."""
    truth = {"cifar10": 93.5, "cifar100": 70.25, "ImageNet16-120": 44.0}
    modern = write_benchmark(tmp_path / "modern.pth", truth)
    data = torch.load(modern, weights_only=True)
    for index in data["arch2infos"]:
        for hp in ("less", "full"):
            for result in data["arch2infos"][index][hp]["all_results"].values():
                result["params"] = np.float64(result["params"])
    real = tmp_path / "NAS-Bench-201-v1_1-096897.pth"
    torch.save(data, real, _use_new_zipfile_serialization=False)
    raw = real.read_bytes()
    assert b"numpy._core.multiarray\nscalar" in raw
    real.write_bytes(
        raw.replace(b"numpy._core.multiarray\nscalar", b"numpy.core.multiarray\nscalar")
    )
    with pytest.raises(pickle.UnpicklingError, match="numpy.core.multiarray.scalar"):
        torch.load(real, weights_only=True)  # torch's defaults alone refuse it
    oracle = Nb201Oracle(real)
    assert oracle.test_accuracy(ARCH) == pytest.approx(truth)
    assert isinstance(load_benchmark(real), dict)


def test_restricted_unpickler_admits_numpy_arrays_only(tmp_path: Path) -> None:
    path = tmp_path / "batch"
    array = np.arange(12, dtype=np.uint8).reshape(3, 4)
    with open(path, "wb") as f:
        pickle.dump({"data": array, "labels": [1, 2, 3], "name": b"x"}, f, protocol=2)
    entry = load_pickle(path, "batch")
    assert np.array_equal(entry["data"], array) and entry["labels"] == [1, 2, 3]
    with open(path, "wb") as f:
        pickle.dump({"when": __import__("datetime").date(2020, 1, 1)}, f)  # data, but a class
    with pytest.raises(ConfigError, match=r"holds a pickled datetime.date"):
        load_pickle(path, "batch")


def test_checkpoint_rng_state_is_plain_and_restores_numpy_exactly(tmp_path: Path) -> None:
    run_search(make_cfg(*FAST), tmp_path / "run")
    ckpt = tmp_path / "run/checkpoints/last.ckpt"
    assert torch.serialization.get_unsafe_globals_in_checkpoint(ckpt) == []
    state = torch.load(ckpt, weights_only=True)["rng"]["numpy"]
    assert state["keys"].dtype == torch.int64 and state["keys"].shape == (624,)
    from darts_lab.lit.reliability import ReliableSearch

    np.random.seed(7)
    random.seed(7)
    holder = ReliableSearch()
    holder.alpha_history, holder.schedule_history, holder._epoch_start_steps = [], [], (0, 0)
    saved: dict = {}
    holder.on_save_checkpoint(saved)
    expected = np.random.rand(5)
    np.random.seed(0)
    holder.on_load_checkpoint(saved)
    assert np.array_equal(np.random.rand(5), expected)


def test_resume_names_what_differs(tmp_path: Path) -> None:
    run_search(make_cfg(*FAST), tmp_path / "run")
    ckpt = tmp_path / "run/checkpoints/last.ckpt"
    with pytest.raises(ConfigError, match=r"search_space.layers=3 there, 4 here") as e:
        run_search(make_cfg(*FAST, "search_space.layers=4", f"resume={ckpt}"), tmp_path / "b")
    assert "another run" in str(e.value) and "\n" not in str(e.value)
    differs = r"schedule='darts_lab.schedule.alternate.Alternate' there, '.*Constant' here"
    with pytest.raises(ConfigError, match=differs):
        run_search(make_cfg(*FAST, "schedule=constant", f"resume={ckpt}"), tmp_path / "c")
    identity = torch.load(ckpt, weights_only=True)["darts_lab"]
    check_resume(ckpt, identity)  # its own fingerprint passes


def test_report_of_an_nb101_multirun(tmp_path: Path) -> None:
    """NAS-Bench-101 scores have a regret but no percentile, and no embedded random search."""
    for i, regret in enumerate([0.01, 0.03]):
        job = tmp_path / str(i)
        (job / ".hydra").mkdir(parents=True)
        (job / ".hydra" / "overrides.yaml").write_text(
            f"- +experiment=pcdarts_nb1shot1\n- seed={i}\n"
        )
        (job / "status").write_text("finished\n")
        score = {"oracle": "nb101", "test_acc": 0.93 - regret, "regret": regret, "epochs": 108}
        (job / "oracle.json").write_text(json.dumps(score))
    markdown, _ = report(tmp_path)
    assert "| pcdarts_nb1shot1 | 2 | 91.00 ± 1.41 | 2.00 ± 1.41 |" in markdown
    assert "random search" not in markdown
