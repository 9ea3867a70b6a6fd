"""make regret's rows live in conf/regret.yaml; a search is compared only with the row it is."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import ConfigCompositionException

from darts_lab.embedded.regret_rows import commands, computing, regret_config, row_overrides
from darts_lab.oracle.embedded import RESULTS
from tests.conftest import make_cfg

ROOT = Path(__file__).resolve().parents[1]
LAUNCH = ("seed=", "resume=", "hydra")  # regret_rows.commands' launch words


def test_every_row_is_swept_once_with_its_own_overrides() -> None:
    rows = regret_config()["rows"]
    swept = {}
    for command in commands("python"):
        (experiments,) = [w for w in command if w.startswith("+experiment=")]
        start = command.index(experiments) + 1 + len(regret_config()["common"])
        extra = [w for w in command[start:] if not w.startswith(LAUNCH)]
        for experiment in experiments.split("=", 1)[1].split(","):
            assert experiment not in swept
            swept[experiment] = extra
    assert swept == rows
    assert set(rows) <= set(__import__("json").loads(RESULTS.read_text())["methods"])


def test_every_group_composes_before_its_sweep() -> None:
    """A multirun composes its shared config from the non-sweep overrides before any job, without
    the swept experiments: an override of an option's key (selection.proj_intv) must name the
    option (selection=pt) even when every swept experiment picks it."""
    parser = OverridesParser.create()
    for command in commands("python"):
        shared = [
            o.input_line
            for o in parser.parse_overrides(command[4:])
            if not o.is_sweep_override() and not o.input_line.startswith("hydra")
        ]
        make_cfg(*shared, tiny=False)  # raises where a key is missing
    with pytest.raises(ConfigCompositionException, match="selection.proj_intv"):
        make_cfg("+overlay=embedded", "selection.proj_intv=0.25", tiny=False)


def test_launch_options_do_not_make_another_row() -> None:
    row = row_overrides("cs10")
    assert row == ["+experiment=cs10", "+overlay=embedded", "logger=none",
                   "trainer.enable_progress_bar=false", "arch_optimizer.lr=0.33"]  # fmt: skip
    launched = ["+experiment=cs10", "+overlay=embedded", "arch_optimizer.lr=0.33", "seed=4",
                "logger=csv", "resume=auto", "data_dir=/x"]  # fmt: skip
    assert computing(launched) == computing(row)
    assert computing([*launched, "trainer.max_epochs=1"]) - computing(row) == {
        "trainer.max_epochs=1"
    }
    assert row_overrides("alpha_l2") is None


def test_a_search_of_another_budget_is_not_compared_with_the_row(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "darts_lab.search",
            "+experiment=darts",
            "+overlay=embedded",
            "trainer.max_epochs=1",
            "trainer.limit_train_batches=2",
            "trainer.limit_val_batches=1",
            "logger=none",
            "figures=false",
            "trainer.enable_progress_bar=false",
            f"hydra.run.dir={tmp_path}",
        ],  # fmt: skip
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "OMP_NUM_THREADS": "1"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout + done.stderr
    assert "is not `make regret`'s darts row" in out and "trainer.max_epochs=1" in out
    assert "over 10 seeds" not in out
