"""`make gpu-check`'s CPU mode: the same rows as on a GPU, at tiny sizes, must all pass. The rows
run in four groups (`--only`), so the two test workers share them; together the groups cover
every row exactly once."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import gpu_check  # noqa: E402

GROUPS = {
    "darts and darts_prime": r"darts_cnn/darts(_prime)? ",
    "gaea, pcdarts, second order": r"darts_cnn/(gaea_eg|pcdarts|second_order) ",
    "nb201 and nb1shot1": r"nb201/|nb1shot1/",
    "rnn, resume, ddp, retraining": r"darts_rnn/|^resume |^ddp |^train ",
}


def test_the_groups_cover_every_row_once() -> None:
    names = [
        name for name, _ in gpu_check.rows(argparse.Namespace(device="cpu", original_darts=None))
    ]
    assert len(names) == 35
    for name in names:
        assert sum(bool(re.search(p, name)) for p in GROUPS.values()) == 1, name
    spaces = {name.split()[1].split("/")[0] for name in names if name.startswith("search")}
    assert spaces == {"darts_cnn", "nb201", "nb1shot1", "darts_rnn"}
    assert {"search darts_cnn/darts bf16+nhwc", "resume cpu->cpu", "ddp 1 process"} <= set(names)


@pytest.mark.parametrize("group", GROUPS)
def test_gpu_check_cpu_tiny_runs_every_row(group: str, tmp_path: Path, capsys) -> None:
    pattern = GROUPS[group]
    args = ["--device", "cpu", "--tiny", "--out", str(tmp_path), "--only", pattern]
    assert gpu_check.main(args) == 0
    rows = json.loads((tmp_path / "gpu_check.json").read_text())["rows"]
    assert rows and all(re.search(pattern, row["row"]) for row in rows)
    assert all(row["ok"] for row in rows), [r for r in rows if not r["ok"]]
    assert all(row["s_per_step"] > 0 for row in rows if row["row"].startswith("search"))
    printed = capsys.readouterr().out
    assert f"{len(rows)}/{len(rows)} rows ok" in printed


@pytest.mark.parametrize("pattern", ["no such row", "bf16+nhwc ("])
def test_only_that_matches_nothing_is_an_error(pattern: str, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        gpu_check.main(["--device", "cpu", "--tiny", "--only", pattern])
    assert exit_.value.code == 2 and "--only" in capsys.readouterr().err
