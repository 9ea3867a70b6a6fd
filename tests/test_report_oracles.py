"""darts_lab.report on fake multiruns of every oracle (the keys each oracle's report() writes):
each oracle aggregates its own runs, the report knows no oracle's keys, none crashes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from darts_lab.embedded.table import SHIPPED
from darts_lab.oracle.base import Oracle
from darts_lab.report import report

ARCH = (  # 3 parameter-free ops: not collapsed
    "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|avg_pool_3x3~2|"
)
# per oracle: the oracle.json of two seeds, as its report() writes it
FAKE = {
    "embedded": [
        {"test_acc": 0.97, "regret": 0.01, "percentile": 95.0, "table": str(SHIPPED)},
        {"test_acc": 0.95, "regret": 0.03, "percentile": 85.0, "table": str(SHIPPED)},
    ],
    "nb201": [
        {"test_accuracy": {"cifar10": 93.0, "cifar100": 70.0, "ImageNet16-120": 44.0}},
        {"test_accuracy": {"cifar10": 91.0, "cifar100": 68.0}},
    ],
    "analognas": [
        {"test_acc": 0.94, "regret": 0.0, "percentile": 100.0, "table_file": "data.anb"},
        {"test_acc": 0.90, "regret": 0.04, "percentile": 80.0, "table_file": "data.anb"},
    ],
    "nb101": [
        {"test_acc": 0.93, "valid_acc": 0.92, "regret": 0.01, "best_in_space": 0.94},
        {},  # the final cell was not in the file: no scores, as Nb101Oracle writes it
    ],
}


def fake_multirun(root: Path, oracle: str) -> Path:
    for seed, score in enumerate(FAKE[oracle]):
        job = root / str(seed)
        (job / ".hydra").mkdir(parents=True)
        (job / ".hydra" / "overrides.yaml").write_text(f"- +experiment=m\n- seed={seed}\n")
        (job / "status").write_text("finished\n")
        (job / "oracle.json").write_text(json.dumps({"oracle": oracle, "arch": ARCH, **score}))
    return root


def test_every_oracle_is_covered() -> None:
    assert set(FAKE) == set(Oracle.available())


@pytest.mark.parametrize("oracle", sorted(FAKE))
def test_report_on_a_fake_multirun(oracle: str, tmp_path: Path) -> None:
    markdown, _ = report(fake_multirun(tmp_path, oracle))
    assert f"oracle={oracle}:" in markdown
    if oracle == "embedded":
        # cost (no timing.json: —), mean ± std, 95 % bootstrap CI, median, percentile,
        # collapsed share (3 free ops: not dominated by parameter-free ops)
        assert (
            "| m | 2 | — | 96.00 ± 1.41 | 2.00 ± 1.41 | [1.00, 3.00] | 2.00 | 90 ± 7 | 0 % |"
            in markdown
        )
        assert "random search (k=10)" in markdown and (tmp_path / "report.png").is_file()
    if oracle == "analognas":  # no random-search row: that needs the embedded table
        assert (
            "| m | 2 | 92.00 ± 2.83 | 2.00 ± 2.83 | [0.00, 4.00] | 2.00 | 90 ± 14 | 0 % |"
            in markdown
        )
        assert "random search" not in markdown
    if oracle == "nb201":
        assert "| m | 2 | 92.00 ± 1.41 | 69.00 ± 1.41 | 44.00 ± 0.00 |" in markdown
    if oracle == "nb101":  # one seed scored; no percentile, no random search
        assert "| m | 1 | 93.00 ± 0.00 | 1.00 ± 0.00 | [1.00, 1.00] | 1.00 | 0 % |" in markdown
        assert "random search" not in markdown and "percentile" not in markdown


def test_seconds_of_two_machines_give_no_cost(tmp_path: Path) -> None:
    """A sweep continued on another machine: the row's cost is "—", and the report says why."""
    root = fake_multirun(tmp_path, "embedded")
    for seed, machine in ((0, "vm/a"), (1, "vm/a")):
        (root / str(seed) / "timing.json").write_text(
            json.dumps({"search_seconds": 10.0 + seed, "machine": machine})
        )
    markdown, _ = report(root)
    assert "| m | 2 | 10 |" in markdown and "more than one machine" not in markdown
    (root / "1" / "timing.json").write_text('{"search_seconds": 30.0, "machine": "vm/b"}')
    markdown, _ = report(root)
    assert "| m | 2 | — |" in markdown
    assert "No cost for m: their seeds were timed on more than one machine" in markdown


def test_runs_written_before_the_rename_still_report(tmp_path: Path) -> None:
    """oracle.json was benchmark.json: a multirun written then reports as before."""
    root = fake_multirun(tmp_path, "nb201")
    for job in root.iterdir():
        (job / "oracle.json").rename(job / "benchmark.json")
    markdown, _ = report(root)
    assert "oracle=nb201:" in markdown and "| m | 2 |" in markdown


def test_the_data_file_is_required() -> None:
    from darts_lab.config import ConfigError
    from darts_lab.oracle.base import oracle_file

    assert oracle_file("new.pth", "the file") == Path("new.pth")
    with pytest.raises(ConfigError, match="oracle.data_file: give the path of the file"):
        oracle_file(None, "the file")


def test_publish_writes_the_rows_where_the_oracle_ships_them(tmp_path: Path, monkeypatch) -> None:
    """`report DIR --publish` (make regret): the oracle's <name>_regret.json, as the report
    wrote it, goes to its results_file; oracles without one publish nothing."""
    from darts_lab.oracle.analognas import AnalogNasOracle
    from darts_lab.report import publish

    root = fake_multirun(tmp_path / "sweep", "analognas")
    report(root)
    assert publish(root) == []  # AnalogNAS ships no rows
    shipped = tmp_path / "package" / "rows.json"
    shipped.parent.mkdir()
    monkeypatch.setattr(AnalogNasOracle, "results_file", shipped)
    assert publish(root) == [shipped]
    assert shipped.read_text() == (root / "analognas_regret.json").read_text()
