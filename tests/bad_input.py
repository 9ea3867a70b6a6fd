"""Shared by the bad-input suites (tests/test_bad_input_*.py): every entry point is fed bad values
and files from the command line, run in-process (the real `main`, Hydra's CLI parsing included).
Each must exit 2 with exactly one `error:` line naming the option, no traceback, nothing in the
run dir but Hydra's record and `status` = failed, and no file of a resumed run dir changed."""

from __future__ import annotations

import json
import runpy
import shutil
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from darts_lab.search import run_search
from tests.conftest import make_cfg, write_cifar
from tests.hostile import Payload, hostile_checkpoint, hostile_pickle, truncated
from tests.test_nb201 import write_benchmark
from tests.test_rnn import write_ptb

HYDRA_RECORD = {".hydra", "search.log", "train.log"}  # Hydra writes these before any main runs


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """One real finished search (its run dir and checkpoint) and the bad files made from it."""
    root = tmp_path_factory.mktemp("files")
    run = root / "finished"
    run_search(make_cfg("trainer.limit_train_batches=2", "trainer.limit_val_batches=1"), run)
    ckpt = run / "checkpoints" / "last.ckpt"
    f = SimpleNamespace(root=root, run=run, ckpt=ckpt, marker=root / "marker")
    f.truncated = truncated(ckpt, root / "truncated" / "last.ckpt")
    (root / "garbage.ckpt").write_bytes(b"\x00\x01 not a checkpoint" * 50)
    f.garbage = root / "garbage.ckpt"
    f.json = root / "genotype_copy.json"
    shutil.copy(run / "genotype.json", f.json)
    f.plain = root / "plain.ckpt"
    torch.save({"weights": torch.zeros(3)}, f.plain)
    checkpoint = torch.load(ckpt, weights_only=True)
    checkpoint.pop("darts_lab")
    f.unmarked = root / "unmarked.ckpt"
    torch.save(checkpoint, f.unmarked)
    f.hostile = hostile_checkpoint(ckpt, root / "hostile" / "last.ckpt", f.marker)
    f.nb201 = write_benchmark(
        root / "nb201.pth", {"cifar10": 90, "cifar100": 60, "ImageNet16-120": 30}
    )
    f.nb201_truncated = truncated(f.nb201, root / "nb201_truncated.pth")
    f.nb201_foreign = root / "nb201_foreign.pth"
    torch.save({"meta_archs": []}, f.nb201_foreign)
    f.nb201_hostile = root / "nb201_hostile.pth"
    hostile = {"meta_archs": [], "arch2infos": Payload(f.marker), "evaluated_indexes": []}
    torch.save(hostile, f.nb201_hostile)
    f.nb101_garbage = root / "nb101.tfrecord"
    f.nb101_garbage.write_bytes(b"\xff" * 40)
    f.table_garbage = root / "table.json"
    f.table_garbage.write_text('{"protocol": ')
    f.table_foreign = root / "table_foreign.json"
    f.table_foreign.write_text("[1, 2, 3]")
    f.cifar_truncated = root / "cifar_truncated"
    batch = write_cifar(f.cifar_truncated) / "data_batch_2"
    truncated(batch, batch)
    f.cifar_hostile = root / "cifar_hostile"
    hostile_pickle(write_cifar(f.cifar_hostile) / "data_batch_1", f.marker)
    f.cifar_folder_for_file = root / "cifar_folder_for_file"  # unreadable as a file
    batch = write_cifar(f.cifar_folder_for_file) / "data_batch_1"
    batch.unlink()
    batch.mkdir()
    f.ptb_binary = root / "ptb_binary"
    write_ptb(f.ptb_binary / "ptb")
    (f.ptb_binary / "ptb" / "ptb.valid.txt").write_bytes(b"\xff\xfe\x00\x00binary")
    f.nb201_genotype = root / "nb201_genotype.json"
    f.nb201_genotype.write_text(
        json.dumps({"nb201": "|skip_connect~0|+|none~0|none~1|+|none~0|none~1|none~2|"})
    )
    f.rnn_genotype = root / "rnn_genotype.json"
    f.rnn_genotype.write_text(json.dumps({"recurrent": [["tanh", 0]], "concat": [1]}))
    f.bad_genotype = root / "bad_genotype.json"
    f.bad_genotype.write_text(json.dumps({"normal": 5}))
    return f


def cli(script: str, argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys) -> tuple[int, str]:
    """`python -m <module> argv...` in this process: the module's file runs as __main__, as
    with -m (so Hydra finds conf/ beside it)."""
    monkeypatch.setattr(sys, "argv", [script, *argv])
    with pytest.raises(SystemExit) as exit_:
        runpy.run_path(script, run_name="__main__")
    return exit_.value.code, capsys.readouterr().err


def assert_one_error_line(code: int, err: str, names: str) -> str:
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert code == 2, err
    assert len(errors) == 1, err
    assert "Traceback" not in err
    assert names in errors[0], errors[0]
    return errors[0]


def assert_run_dir_clean(run_dir: Path) -> None:
    if run_dir.exists():
        assert {p.name for p in run_dir.iterdir()} <= HYDRA_RECORD | {"status"}
        assert (run_dir / "status").read_text().startswith("failed")
