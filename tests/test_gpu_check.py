"""`make gpu-check`'s CPU mode: the same rows as on a GPU, at tiny sizes, must pass. Its search
rows are derived from conf/experiment (a covering of every family option on every space). Here
every experiment row runs in fp32 and every precision / layout variant on DARTS (`--only`; the
other variants differ only in the device's kernels: the GPU's to test), in shards
(`--shard K/N`) so the two test workers share them."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import gpu_check  # noqa: E402

SHARDS = 2
CPU = argparse.Namespace(device="cpu", original_darts=None, only="", shard=(0, 1))
# every experiment in fp32, every variant on DARTS, the resume, DDP and retraining rows
ONLY = r" fp32$|/darts |^resume|^ddp|^train"


def test_covering_by_hand() -> None:
    features = {"a": {1, 2}, "b": {2, 3}, "c": {3}, "d": {4}}
    features = {name: frozenset(f) for name, f in features.items()}
    assert gpu_check.covering(features) == ["a", "b", "d"]  # a and b tie at 2 new: a first
    assert gpu_check.covering(features, first=("c",)) == ["c", "a", "d"]
    # a new family (a feature no other experiment has) gets a row by existing
    assert "e" in gpu_check.covering({**features, "e": frozenset({5})})


def test_rows_run_every_family_option_on_every_space() -> None:
    experiments = gpu_check.experiments()
    names = [name for name, _ in gpu_check.rows(CPU)]
    covered = {name.split()[1].split("/")[1] for name in names if name.startswith("search ")}
    assert set(gpu_check.FIRST) <= covered <= set(experiments)
    runs = set().union(*(experiments[e].features for e in covered))
    for experiment in experiments.values():
        assert experiment.features <= runs
    # every method yaml that an experiment uses is run, on each space it is used on
    used = {(f[0], f[2]) for e in experiments.values() for f in e.features if f[1] == "method"}
    methods = {path.stem for path in Path(gpu_check.CONF, "method").glob("*.yaml")}
    assert {m for _, m in used} <= methods and used <= {(f[0], f[2]) for f in runs}
    assert {e.space for e in experiments.values()} == {
        name.split()[1].split("/")[0] for name in names if name.startswith("search ")
    }
    variants = {n.rsplit(" ", 1)[1] for n in names if n.startswith("search ")}
    assert variants == {"fp32", "bf16", "bf16+nhwc", "fp32+nhwc"}
    assert names[-3:] == ["resume cpu->cpu", "ddp 1 process", "train 5 steps"]
    assert len(names) == len(set(names)) == len(gpu_check.search_rows()) + 3


@pytest.mark.parametrize("index", range(SHARDS))
def test_gpu_check_cpu_tiny_runs_every_row(index: int, tmp_path: Path, capsys) -> None:
    args = ["--device", "cpu", "--tiny", "--out", str(tmp_path), "--shard", f"{index}/{SHARDS}"]
    assert gpu_check.main([*args, "--only", ONLY]) == 0
    rows = json.loads((tmp_path / "gpu_check.json").read_text())["rows"]
    names = [name for name, _ in gpu_check.rows(CPU)]
    chosen = [name for name in names if re.search(ONLY, name)]
    assert {n.split()[1] for n in chosen if n.startswith("search")} == {
        n.split()[1] for n in names if n.startswith("search")
    }  # every experiment row, and every variant
    assert {n.rsplit(" ", 1)[1] for n in chosen if n.startswith("search")} == {
        "fp32", "bf16", "bf16+nhwc", "fp32+nhwc"
    }  # fmt: skip
    expected = chosen[index::SHARDS]
    assert [row["row"] for row in rows] == expected
    assert all(row["ok"] for row in rows), [r for r in rows if not r["ok"]]
    assert all(row["s_per_step"] > 0 for row in rows if row["row"].startswith("search"))
    printed = capsys.readouterr().out
    assert f"{len(rows)}/{len(rows)} rows ok" in printed


@pytest.mark.parametrize(
    "args", [["--only", "no such row"], ["--only", "bf16+nhwc ("], ["--shard", "4/4"]]
)
def test_a_selection_that_is_wrong_is_an_error(args: list[str], capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        gpu_check.main(["--device", "cpu", "--tiny", *args])
    assert exit_.value.code == 2 and args[0] in capsys.readouterr().err
