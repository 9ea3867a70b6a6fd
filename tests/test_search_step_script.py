"""A few-step run of scripts/search_step.py: every path runs, and the table's ratios are its own
times divided by the hand-written loop's (the timings themselves are not a test)."""

import runpy
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "search_step.py"


def test_search_step_script_table(monkeypatch, capsys) -> None:
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
        "2",
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
    table = {}  # path → (s/step, its printed ratio to (a))
    for line in out.splitlines():
        if line.startswith("(") and len(line.split()) >= 4:
            *name, seconds, ratio, _mb = line.split()
            table[" ".join(name)] = (float(seconds), float(ratio))
    hand = table["(a) hand-written loop"][0]
    assert hand > 0 and table["(a) hand-written loop"][1] == 1.0
    for name, (seconds, ratio) in table.items():  # 3 decimals of time, 2 of the ratio
        assert abs(ratio - seconds / hand) <= 0.01 + 0.0005 / hand * ratio, name
    gdas = float(out.split("GDAS / DARTS step time:")[1].split()[0])
    darts = table["(b) darts_lab+Lightning"][0]
    assert abs(gdas - table["(d) GDAS"][0] / darts) <= 0.01 + 0.001 / darts * gdas
