"""The embedded benchmark: cells and their functional identity, a real build of a 2-op space,
the shipped table, regret / percentile / random search by hand, the oracle in a search, and the
regret report of a multirun."""

import json
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from darts_lab.baseline.base import Baseline
from darts_lab.config import ConfigError
from darts_lab.embedded.build import build
from darts_lab.embedded.cells import all_cells, expression
from darts_lab.embedded.protocol import Protocol
from darts_lab.embedded.table import SHIPPED, Table, kendall_tau, load_table
from darts_lab.embedded.view import embedded_view
from darts_lab.report import report
from darts_lab.search import run_search
from darts_lab.search_space.nb201 import Nb201Genotype
from tests.conftest import make_cfg

CONV = "nor_conv_3x3"
# the digits (8×8, 1,151 training images) keep the tiny builds fast
DIGITS = Protocol(dataset="digits", image_size=8, val_images=287, train_images=None)
TINY = replace(DIGITS, ops=("none", CONV), channels=2, epochs=1, seeds=(0, 1))


def arch(*ops: str) -> str:
    return str(Nb201Genotype(tuple(ops)))


def test_isomorphic_cells_are_one_entry() -> None:
    # node 1 = conv(x) feeds nothing that reaches node 3: the same function as without it
    dead = ("nor_conv_3x3", "none", "none", CONV, "none", "none")
    plain = ("none", "none", "none", CONV, "none", "none")
    assert expression(dead) == expression(plain) == f"{CONV}(x)"
    # a sum is a multiset: node 1 = skip(x) = x, so conv on 3←0 + skip on 3←1 equals
    # skip on 3←0 + conv on 3←1 (both are x + conv(x))
    one = ("skip_connect", "none", "none", CONV, "skip_connect", "none")
    other = ("skip_connect", "none", "none", "skip_connect", CONV, "none")
    assert one != other and expression(one) == expression(other) == f"[{CONV}(x)+x]"
    assert expression(("skip_connect", "none", "none", CONV, CONV, "none")) != expression(one)
    groups = all_cells(["none", CONV])
    assert sum(len(m) for m in groups.values()) == 2**6 and len(groups) == 14
    assert expression(("none",) * 6) == "0"


def test_a_2_op_build_end_to_end_resumes_and_looks_up(tmp_path: Path) -> None:
    out = tmp_path / "table.json"
    partial = out.with_suffix(".partial.jsonl")
    key = expression(("none",) * 6)  # as if an interrupted build had finished one run
    run = {"seed": 0, "train_acc": 0.5, "val_acc": 0.5, "test_acc": 0.5, "params": 1}
    partial.write_text(json.dumps([key, {**run, "seconds": -1.0}]) + "\n")
    table = build(out, TINY, jobs=1)
    assert len(table.cells) == 14 and not partial.exists()
    runs = table.cells[key]["runs"]
    assert [r["seed"] for r in runs] == [0, 1] and runs[0]["seconds"] == -1.0  # kept, not redone
    assert runs[1]["test_images"] == 359  # exact counts, so equal cells tie exactly
    assert runs[1]["test_acc"] == runs[1]["test_correct"] / 359
    loaded = load_table(out, TINY)
    entry = loaded.entry(arch(CONV, "none", "none", CONV, "none", "none"))
    assert entry is loaded.entry(arch("none", "none", "none", CONV, "none", "none"))
    assert 0.0 <= loaded.mean(entry) <= 1.0 and entry["runs"][1]["params"] > 0
    with pytest.raises(ConfigError, match="rebuild it"):
        load_table(out)  # built with another protocol than the code's default


def crafted() -> Table:
    """Three distinct cells: zero (acc 0.1), conv(x) (0.8 / 0.9 by seed), skip (0.7)."""

    def runs(*accs: float) -> list[dict]:  # of 10 test images: exact counts
        counts = {"test_images": 10}
        return [
            {"seed": i, "test_acc": a, "val_acc": a, "test_correct": round(10 * a), **counts}
            for i, a in enumerate(accs)
        ]

    cells = {
        "0": {"arch": arch(*("none",) * 6), "members": [], "runs": runs(0.1, 0.1)},
        f"{CONV}(x)": {"arch": "", "members": [], "runs": runs(0.8, 0.9)},
        "x": {"arch": "", "members": [], "runs": runs(0.7, 0.7)},
    }
    return Table({"ops": ["none", "skip_connect", CONV]}, "test", cells)


def test_regret_and_percentile_by_hand() -> None:
    table = crafted()
    score = table.score(arch("none", "none", "none", "skip_connect", "none", "none"))
    assert score["test_acc"] == pytest.approx(0.7)
    assert score["regret"] == pytest.approx(0.85 - 0.7)  # best mean: conv(x), (0.8 + 0.9) / 2
    assert score["percentile"] == pytest.approx(100 * 2 / 3)  # beats or ties 2 of 3 cells
    with pytest.raises(KeyError, match="not in the benchmark"):
        table.score(arch(CONV, CONV, CONV, CONV, CONV, CONV))


def test_random_search_by_hand() -> None:
    """With k = every architecture of a 2-op space, random search must pick the cell with the
    best seed-0 validation accuracy (x: skip alone) and report its mean test accuracy."""
    groups = all_cells(["none", "skip_connect"])
    cells = {
        key: {
            "arch": members[0],
            "members": members,
            "runs": [
                {"seed": 0, "val_acc": 0.99 if key == "x" else 0.5, "test_correct": 6},
                {"seed": 1, "val_acc": 0.5, "test_correct": 7 if key == "x" else 9},
            ],
        }
        for key, members in groups.items()
    }
    for cell in cells.values():
        for run in cell["runs"]:
            run.update(test_images=10, test_acc=run["test_correct"] / 10)
    table = Table({"ops": ["none", "skip_connect"]}, "test", cells)
    view = embedded_view(table)
    results = [Baseline.load("random_search").run(view, 64, seed) for seed in range(2)]
    assert [r["test_acc"] for r in results] == pytest.approx([0.65, 0.65])
    assert results[0]["regret"] == pytest.approx(0.75 - 0.65)


def test_kendall_tau_by_hand() -> None:
    # pairs: (1,1) (2,3) (3,2): concordant 2, discordant 1 → τ = 1/3
    assert kendall_tau([(1, 1), (2, 3), (3, 2)]) == pytest.approx(1 / 3)


def test_the_shipped_table_loads_with_the_codes_protocol() -> None:
    table = load_table()
    assert table.protocol == Protocol().to_json() and len(table.cells) == 1066
    assert all(len(e["runs"]) == len(Protocol().seeds) for e in table.cells.values())


def test_oracle_logs_every_epoch_and_reports(tmp_path: Path) -> None:
    cfg = make_cfg(
        "+overlay=embedded",
        "logger=csv",
        "trainer.max_epochs=2",
        "trainer.limit_train_batches=2",
        "trainer.limit_val_batches=1",
        tiny=False,
    )
    genotype = run_search(cfg, tmp_path)
    report_ = json.loads((tmp_path / "oracle.json").read_text())
    assert report_["arch"] == str(genotype) and len(report_["per_epoch"]) == 2
    assert report_["test_acc"] + report_["regret"] == pytest.approx(report_["best_in_table"])
    assert 0 < report_["percentile"] <= 100 and (tmp_path / "oracle.png").stat().st_size > 0
    metrics = next(tmp_path.rglob("metrics.csv")).read_text().splitlines()
    column = metrics[0].split(",").index("oracle/regret")
    assert len([r for r in metrics[1:] if r.split(",")[column]]) == 2  # once per epoch


def test_oracle_refuses_another_op_set(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="oracle=embedded scores cells over the ops"):
        run_search(make_cfg("search_space=nb201", "oracle=embedded"), tmp_path)


ARCH = "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|none~2|"
COLLAPSED = (
    "|skip_connect~0|+|none~0|skip_connect~1|+|skip_connect~0|nor_conv_3x3~1|avg_pool_3x3~2|"
)


def test_report_has_the_regret_table_and_figure(tmp_path: Path) -> None:
    """A crafted multirun: DARTS seeds 0 and 1 (one collapsed onto skip/none/pool), GAEA seeds
    0 and 1; each run's final entropy from its alphas.json, the regret JSON beside report.md."""
    jobs = [("darts", 0, 0.02, ARCH), ("darts", 1, 0.04, COLLAPSED)]
    jobs += [("gaea", 0, 0.0, ARCH), ("gaea", 1, 0.01, ARCH)]
    for i, (method, seed, regret, arch_) in enumerate(jobs):
        job = tmp_path / str(i)
        (job / ".hydra").mkdir(parents=True)
        (job / ".hydra" / "overrides.yaml").write_text(f"- +experiment={method}\n- seed={seed}\n")
        (job / "status").write_text("finished\n")
        pct = 30.0 if arch_ == COLLAPSED else 90.0  # collapsed: free ops AND below the median
        score = {"test_acc": 0.9 - regret, "regret": regret, "percentile": pct, "arch": arch_}
        score.update(oracle="embedded", table=str(SHIPPED))  # as EmbeddedOracle.report writes
        (job / "oracle.json").write_text(json.dumps(score))
        (job / "alphas.json").write_text(json.dumps({"entropy": 1.0 + seed / 10}))
    markdown, _ = report(tmp_path)
    header = markdown.split("oracle=embedded")[1].splitlines()[2]
    assert header.startswith(
        "| method | seeds | cost (s) | test acc (%) | regret (points) | regret 95 % CI | "
        "median regret | percentile | collapsed | p vs random (MWU) | "
        "p vs darts (paired Wilcoxon) |"
    )
    assert header.endswith("| final entropy |")
    darts = "| darts | 2 | — | 87.00 ± 1.41 | 3.00 ± 1.41 | [2.00, 4.00] | 3.00 | 60 ± 42 | 50 % |"
    assert darts in markdown
    # gaea vs darts paired by seed: both seeds lower (0 < 2, 1 < 4), exact p = 2 / 2² = 0.5
    gaea = [line for line in markdown.splitlines() if line.startswith("| gaea |")][-1]
    assert "| gaea | 2 | — | 89.50 ± 0.71 | 0.50 ± 0.71 | [0.00, 1.00] | 0.50 | 90 ± 0 | 0 % |" in (
        gaea
    )
    assert "| 0.500 |" in gaea and gaea.endswith("| 1.050 |")
    assert "random search (k=10)" in markdown and (tmp_path / "report.png").stat().st_size > 0
    # the baselines at every budget on the same table, and regret against seconds
    assert "| regularized evolution (k=100) | 2 | 699 |" in markdown
    assert (tmp_path / "regret_vs_seconds.png").stat().st_size > 0
    rows = json.loads((tmp_path / "embedded_regret.json").read_text())["methods"]
    assert (
        rows["darts"]["regret"] == pytest.approx([2.0, 4.0]) and rows["darts"]["collapsed"] == 0.5
    )
    assert "Left out, and why" not in markdown


def test_oracle_history_survives_a_checkpoint() -> None:
    from darts_lab.oracle.embedded import EmbeddedOracle

    oracle = EmbeddedOracle()
    oracle.history = [{"test_acc": 0.9, "regret": 0.08, "percentile": 50.0}]
    resumed = EmbeddedOracle()
    resumed.load_state_dict(oracle.state_dict())
    assert resumed.history == oracle.history


def test_oracle_summary_line_puts_the_seed_in_context(tmp_path: Path, monkeypatch) -> None:
    from darts_lab.oracle import embedded

    results = tmp_path / "regret_results.json"
    row = {"regret": [1.0, 2.0, 9.0], "mean": 4.0, "median": 2.0, "ci95": [1.0, 9.0]}
    results.write_text(json.dumps({"methods": {"darts": {**row, "collapsed": 1 / 3}}}))
    monkeypatch.setattr(embedded, "RESULTS", results)
    oracle = embedded.EmbeddedOracle()
    score = {"test_acc": 0.9136, "regret": 0.0734, "percentile": 22.4}
    first, second = oracle.summary(score).splitlines()  # outside Hydra: experiment "adhoc"
    assert (
        first == "true test accuracy 91.36 %, regret 7.34 points, percentile 22 (embedded oracle)"
    )
    assert second.startswith("one seed is an anecdote: `make regret` has no row for adhoc")
    assert oracle.context(score, "darts") == (
        "\ndarts on this benchmark over 3 seeds (make regret): median regret 2.00 points, mean "
        "4.00 (95 % CI 1.00-9.00), 33 % collapsed; this seed: 7.34"
    )
    monkeypatch.setattr(embedded, "RESULTS", tmp_path / "absent.json")
    assert oracle.summary(score).splitlines() == [  # no shipped rows: where they come from
        first,
        "one seed is an anecdote: `make regret` runs every row with 10 seeds",
    ]


def test_random_shift_moves_each_image_within_bounds() -> None:
    from darts_lab.embedded.protocol import random_shift

    x = torch.full((3, 1, 4, 4), -1.0)
    x[:, 0, 1, 2] = 1.0  # one bright pixel per image on a -1 background
    g = torch.Generator().manual_seed(0)
    assert random_shift(x, 0, g) is x
    moved = random_shift(x, 1, g)
    assert moved.shape == x.shape and set(moved.unique().tolist()) <= {-1.0, 1.0}
    for image in moved[:, 0]:
        rows, cols = torch.nonzero(image == 1.0, as_tuple=True)
        assert len(rows) <= 1  # moved by at most one pixel: kept or pushed off the 4×4 crop
        if len(rows):
            assert abs(int(rows[0]) - 1) <= 1 and abs(int(cols[0]) - 2) <= 1


def test_digits_resized_and_the_protocols_dtype() -> None:
    from darts_lab.data.digits import DigitsDataModule
    from darts_lab.embedded.protocol import protocol_splits

    train, test = DigitsDataModule(image_size=16)._tensors()
    assert train.tensors[0].shape[1:] == (1, 16, 16) and len(test) == 359
    splits = protocol_splits(replace(DIGITS, image_size=12, dtype="float64"))
    assert splits["train"][0].shape == (1151, 1, 12, 12) and splits["val"][0].shape[0] == 287
    assert splits["test"][0].dtype == torch.float64
    with pytest.raises(ConfigError, match="image_size must be at least 8"):
        DigitsDataModule(image_size=4)


def test_validate_tau_against_a_crafted_external_table() -> None:
    """transfer(): 3 cells, ours (0.1, 0.85, 0.7) vs CIFAR-10 (10, 80, 90): pairs (0,conv)
    and (0,skip) concordant, (conv,skip) discordant → τ = 1/3; our best cell (conv) is at
    CIFAR-10 percentile 2/3; parameter counts not recorded → nan."""
    from darts_lab.data.analognas_bench import to_codes
    from darts_lab.embedded.validate import transfer

    table = crafted()
    table.cells[f"{CONV}(x)"]["arch"] = arch("none", "none", "none", CONV, "none", "none")
    table.cells["x"]["arch"] = arch("none", "none", "none", "skip_connect", "none", "none")
    external = dict(
        zip(
            (to_codes(e["arch"]) for e in table.cells.values()),
            (10.0, 80.0, 90.0),
            strict=True,
        )
    )
    t = transfer(table, external)
    assert t["kendall_tau"] == pytest.approx(1 / 3) and t["spearman"] == pytest.approx(0.5)
    assert t["best_cell_external_percentile"] == pytest.approx(100 * 2 / 3)
    # the 10 best (all 3 here): conv (CIFAR-10 80: pct 2/3), skip (90: 1), none (10: 1/3)
    assert t["best10_min_external_percentile"] == pytest.approx(100 / 3)
    assert t["cells"] == 3 and t["params_kendall_tau"] != t["params_kendall_tau"]


def test_tables_name_their_dataset_and_older_ones_mean_digits(tmp_path: Path) -> None:
    """A table built on digits does not load as the code's Fashion-MNIST protocol (one line);
    a table written before the protocol named its dataset is a digits table."""
    path = tmp_path / "digits.json"
    path.write_text(json.dumps(Table(DIGITS.to_json(), "test", {}).to_json()))
    assert load_table(path, DIGITS).protocol["dataset"] == "digits"
    with pytest.raises(ConfigError, match="was built with protocol .*'digits'.* rebuild it"):
        load_table(path)
    old = {k: v for k, v in DIGITS.to_json().items() if k not in ("dataset", "train_images")}
    path.write_text(json.dumps({"protocol": old, "code_version": "x", "cells": {}}))
    assert load_table(path, DIGITS).protocol == DIGITS.to_json()
    assert Protocol().dataset == "fashion_mnist"


def test_a_run_cut_off_mid_write_is_trained_again(tmp_path: Path) -> None:
    """A partial file whose last line lacks its newline (a kill while writing, or a copy taken
    mid-write): that line is dropped, the complete ones kept, appends start on a new line."""
    from darts_lab.embedded.build import finished_lines

    partial = tmp_path / "t.partial.jsonl"
    partial.write_text('["k", {"seed": 0}]\n["k", {"se')
    assert finished_lines(partial) == ['["k", {"seed": 0}]']
    assert partial.read_text() == '["k", {"seed": 0}]\n'
