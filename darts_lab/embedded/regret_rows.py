"""`make regret`'s rows, from conf/regret.yaml: one Hydra multirun per group of rows that add
the same overrides, 2 jobs at a time with one thread each, into multirun/regret (resume=auto:
finished jobs are kept, cut-off ones resume). `python -m darts_lab.embedded.regret_rows` runs
them; the embedded oracle reads the same file to compare a search only with the row it matches."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from omegaconf import OmegaConf

from darts_lab.config_path import conf_dir

SWEEP = Path("multirun/regret")
# overrides that change how a run is launched or shown, not what it computes
LAUNCH_ONLY = ("seed", "logger", "trainer.enable_progress_bar", "resume", "data_dir",
               "perf.threads", "figures", "hydra.")  # fmt: skip


@functools.cache
def regret_config() -> dict:
    return OmegaConf.to_container(OmegaConf.load(conf_dir() / "regret.yaml"))


def row_overrides(experiment: str) -> list[str] | None:
    """The overrides of `experiment`'s row (common ones included), or None: no such row."""
    config = regret_config()
    extra = config["rows"].get(experiment)
    return None if extra is None else [f"+experiment={experiment}", *config["common"], *extra]


def computing(overrides: list[str]) -> set[str]:
    """The overrides that change what a run computes (launch-only ones dropped)."""
    return {o for o in overrides if not o.lstrip("+").startswith(LAUNCH_ONLY)}


def commands(python: str = sys.executable) -> list[list[str]]:
    """One multirun command per group of rows with the same extra overrides."""
    config = regret_config()
    groups: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for experiment, extra in config["rows"].items():
        groups[tuple(extra)].append(experiment)
    seeds = ",".join(map(str, config["seeds"]))
    launch = [
        f"seed={seeds}", "resume=auto", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2",
        f"hydra.sweep.dir={SWEEP}", "hydra.sweep.subdir=${hydra.job.override_dirname}",
    ]  # fmt: skip
    return [
        [
            python,
            "-m",
            "darts_lab.search",
            "-m",
            f"+experiment={','.join(rows)}",
            *config["common"],
            *extra,
            *launch,
        ]  # fmt: skip
        for extra, rows in groups.items()
    ]


def main() -> None:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "WANDB_MODE": "offline"}  # 2 jobs x 1 thread
    for command in commands():
        print(" ".join(command), flush=True)
        subprocess.run(command, check=True, env=env)


if __name__ == "__main__":
    main()
