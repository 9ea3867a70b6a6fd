"""`make gpu-check`'s CPU mode: the same rows as on a GPU, at tiny sizes, must all pass."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import gpu_check  # noqa: E402


def test_gpu_check_cpu_tiny_runs_every_row(tmp_path: Path, capsys) -> None:
    assert gpu_check.main(["--device", "cpu", "--tiny", "--out", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "gpu_check.json").read_text())
    rows = {row["row"]: row for row in report["rows"]}
    spaces = {name.split()[1].split("/")[0] for name in rows if name.startswith("search")}
    assert spaces == {"darts_cnn", "nb201", "nb1shot1", "darts_rnn"}
    assert {"search darts_cnn/darts bf16+nhwc", "resume cpu->cpu", "ddp 1 process"} <= set(rows)
    assert all(row["ok"] for row in rows.values()), [r for r in rows.values() if not r["ok"]]
    assert all(row["s_per_step"] > 0 for n, row in rows.items() if n.startswith("search"))
    printed = capsys.readouterr().out
    assert "35/35 rows ok" in printed and "search nb201/gdas bf16" in printed
