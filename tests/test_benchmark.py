"""A few-step smoke run of the benchmark script (the timing itself is not a test)."""

import runpy
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "search_step.py"


def test_benchmark_smoke(monkeypatch, capsys) -> None:
    args = [
        "--size",
        "8",
        "--channels",
        "1",
        "--init-channels",
        "4",
        "--layers",
        "3",
        "--batch",
        "8",
        "--steps",
        "3",
        "--warmup",
        "1",
        "--no-memory",
    ]
    monkeypatch.setattr(sys, "argv", [str(SCRIPT), *args])
    runpy.run_path(str(SCRIPT), run_name="__main__")
    out = capsys.readouterr().out
    rows = ("(a) hand-written loop", "(b) darts_lab+Lightning", "(c) + schedule=fimt", "(d) GDAS")
    for row in (*rows, "(e) PC-DARTS K=4", "GDAS / DARTS step time", "w-step only"):
        assert row in out
    ratio = float(out.split("(b) darts_lab+Lightning")[1].split()[1])
    assert ratio > 0
