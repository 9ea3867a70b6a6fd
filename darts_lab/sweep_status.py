"""Where a sweep stands: `python -m darts_lab.report SWEEP_DIR --status` lists every job of a
Hydra multirun — from its `multirun.yaml`, so jobs that never created a directory are listed
too — with its status, the epoch its newest checkpoint reached, that checkpoint's age, and the
one command that finishes the sweep (the same command plus `resume=auto`)."""

from __future__ import annotations

import shlex
import time
from pathlib import Path
from typing import Any

import yaml
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import OmegaConf

from darts_lab.config import ConfigError
from darts_lab.export.artifacts import read_status
from darts_lab.export.tables import markdown_table
from darts_lab.lit.fingerprint import read_record
from darts_lab.lit.preemption import AUTO, newest_checkpoint
from darts_lab.lit.run_lock import holder_alive, read_holder
from darts_lab.safe_load import load_torch

# Hydra's own bookkeeping overrides, not the user's: the finishing command sets or drops them
HYDRA_OWN = ("hydra.sweep.dir", "hydra.mode", "hydra.job.num", "hydra.job.id")


def identity(overrides: list[str]) -> frozenset:
    """A job's overrides as parsed (key, value) pairs, without resume=: `figures=false` on the
    command line is `figures=False` in a sweep job's overrides.yaml."""
    parsed = OverridesParser.create().parse_overrides([str(o) for o in overrides])
    return frozenset(
        (o.get_key_element(), str(o.value())) for o in parsed if o.get_key_element() != "resume"
    )


def expected_jobs(sweep_dir: Path) -> tuple[Any, list[list[str]]]:
    """The sweep's config (multirun.yaml) and each job's overrides, in Hydra's job order."""
    path = sweep_dir / "multirun.yaml"
    if not path.is_file():
        raise ConfigError(f"{sweep_dir} holds no multirun.yaml: not the directory of a -m sweep")
    try:
        cfg = OmegaConf.load(path)
        params = OmegaConf.select(cfg, "hydra.sweeper.params") or {}
        config_params = [f"{key}={value}" for key, value in params.items()]
        task = list(OmegaConf.select(cfg, "hydra.overrides.task") or [])
        overrides = OverridesParser.create().parse_overrides(config_params + task)
        (batch,) = BasicSweeper.split_arguments(overrides, None)
    except Exception as e:  # YAML, OmegaConf and Hydra's override grammar each have their own
        raise ConfigError(f"{path} is damaged ({type(e).__name__})") from None
    # Hydra writes hydra.job.name after the sweep's parameters and overrides: a file cut
    # before it may list fewer jobs than the sweep has
    if OmegaConf.select(cfg, "hydra.job.name") is None:
        started = sum(1 for d in sweep_dir.glob("*/.hydra") if d.is_dir())
        raise ConfigError(
            f"{path} is damaged (truncated?): it lists {len(batch)} job(s) but {sweep_dir} "
            f"holds {started} job directories"
        )
    return cfg, batch


def launched_with(job_dir: Path, overrides_file: Path) -> list[str]:
    """The overrides the job's run started with: run.json's (ours, written once), else Hydra's
    overrides.yaml (rewritten by every launch into the directory)."""
    if (record := read_record(job_dir)) is not None and "overrides" in record:
        return list(record["overrides"])
    try:
        overrides = yaml.safe_load(overrides_file.read_text())
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise ConfigError(f"{overrides_file} is damaged ({type(e).__name__})") from None
    if not isinstance(overrides, list | type(None)):
        raise ConfigError(f"{overrides_file} is damaged: a {type(overrides).__name__}, not a list")
    return overrides or []


def job_state(job_dir: Path, checkpoints: bool = True) -> dict[str, Any]:
    """Status (a run whose process died without a word: `crashed`) and, with `checkpoints`, the
    epoch and age of the newest checkpoint (it is loaded to read them)."""
    if not job_dir.is_dir():
        return {"status": "missing"}
    status = read_status(job_dir) if (job_dir / "status").is_file() else "not started"
    if status in ("running", "requeued"):
        holder = read_holder(job_dir)
        alive = holder is not None and holder_alive(holder, stale_minutes=30)
        status = status if alive or status == "requeued" else "crashed"
    state: dict[str, Any] = {"status": status}
    newest = newest_checkpoint(job_dir / "checkpoints") if checkpoints else None
    if newest is not None:
        checkpoint = load_torch(newest, "checkpoint")
        state["epoch"] = int(checkpoint.get("epoch", -1)) + 1  # epochs begun
        state["step"] = int(checkpoint.get("global_step", 0))
        state["checkpoint age"] = f"{(time.time() - newest.stat().st_mtime) / 60:.0f} min"
    return state


def finish_command(cfg: Any, sweep_dir: Path) -> str:
    """The multirun command again, in the same sweep directory, with resume=auto."""
    app = OmegaConf.select(cfg, "hydra.job.name") or "search"
    task = [
        o
        for o in OmegaConf.select(cfg, "hydra.overrides.task") or []
        if not o.startswith("resume=")
    ]
    own = [
        o
        for o in OmegaConf.select(cfg, "hydra.overrides.hydra") or []
        if not o.startswith(HYDRA_OWN)
    ]
    words = ["python", "-m", f"darts_lab.{app}", "-m", *task, *own]
    words += [f"hydra.sweep.dir={sweep_dir}", f"resume={AUTO}"]
    return shlex.join(words)


def sweep_status(sweep_dir: Path, checkpoints: bool = True) -> tuple[list[dict[str, Any]], str]:
    """One row per job, and the command that finishes the sweep (`checkpoints`: see job_state)."""
    cfg, jobs = expected_jobs(sweep_dir)
    found = {}  # each job directory, by the overrides Hydra gave it
    for overrides_file in sweep_dir.glob("*/.hydra/overrides.yaml"):
        job_dir = overrides_file.parents[1]
        found[identity(launched_with(job_dir, overrides_file))] = job_dir
    subdir = OmegaConf.select(cfg, "hydra.sweep.subdir", throw_on_resolution_failure=False)
    varying = {o.split("=", 1)[0] for o in jobs[0] if any(o not in job for job in jobs)}
    rows = []
    for num, overrides in enumerate(jobs):
        job_dir = found.get(identity(overrides))
        if job_dir is None:  # never started: where Hydra's default subdir would put it
            job_dir = sweep_dir / (str(num) if subdir in (None, "${hydra.job.num}") else "?")
        shown = [o for o in overrides if o.split("=", 1)[0] in varying] or overrides
        rows.append({"job": num, "dir": job_dir.name, "overrides": " ".join(shown),
                     **job_state(job_dir, checkpoints)})  # fmt: skip
    return rows, finish_command(cfg, sweep_dir)


def status_report(sweep_dir: Path) -> str:
    rows, command = sweep_status(sweep_dir)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    lines = [f"{len(rows)} jobs in {sweep_dir}: {summary}", "", *markdown_table(rows)]
    if counts.get("finished", 0) < len(rows):
        lines += ["", "Finish the sweep (finished jobs are left as they are):", "", command]
    return "\n".join(lines)
