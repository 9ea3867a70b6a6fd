"""Aggregate a multirun into a Table-1-style report: `python -m darts_lab.report <multirun dir>`.

Every job directory (one per seed × experiment) is read: its Hydra overrides (experiment, seed),
`status`, `timing.json` (search time) and, when the seed was retrained (`then_train=`),
`train/result.json`. Writes report.md and report.csv into the multirun directory and prints the
Markdown, ending with how many jobs it aggregated and each job it left out and why (a failed
or unfinished seed, a job of the sweep that never started); none is fatal. `--status` lists where
every job of the sweep stands and the command that finishes it (darts_lab/sweep_status.py).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import yaml

from darts_lab.config import ConfigError
from darts_lab.export.artifacts import write_text, write_with
from darts_lab.export.tables import markdown_table
from darts_lab.lit.fingerprint import read_record
from darts_lab.oracle.base import Oracle
from darts_lab.stats import mean_std_text
from darts_lab.sweep_status import status_report, sweep_status


def _read(path: Path, parse: Callable[[str], Any], expected: type) -> Any:
    """A job file, parsed; a damaged one is a one-line ConfigError naming it (a report that
    skipped it silently would be a table of the other seeds)."""
    try:
        value = parse(path.read_text())
    except (ValueError, yaml.YAMLError, UnicodeDecodeError) as e:  # JSONDecodeError too
        reason = (str(e).strip().splitlines() or [""])[0]
        raise ConfigError(f"{path} is damaged ({type(e).__name__}: {reason})") from None
    except OSError as e:  # a folder of that name, no permission to read it
        raise ConfigError(f"{path} cannot be read ({e.strerror})") from None
    if not isinstance(value, expected):
        expected = " or ".join(
            k.__name__ for k in (expected if isinstance(expected, tuple) else (expected,))
        )
        raise ConfigError(f"{path} is damaged: a {type(value).__name__}, not a {expected}")
    return value


def job_labels(job_dir: Path) -> tuple[str, str]:
    """(experiment, seed) from the run's own record (run.json), never from Hydra's
    overrides.yaml, which a relaunch into the same job directory rewrites; runs written before
    run.json existed are read from overrides.yaml."""
    if (record := read_record(job_dir)) is not None:
        config = record["config"]
        return str(config.get("experiment", "adhoc")), str(config.get("seed", "?"))
    overrides = _read(job_dir / ".hydra" / "overrides.yaml", yaml.safe_load, (list, type(None)))
    pairs = dict(str(o).lstrip("+").split("=", 1) for o in overrides or [] if "=" in str(o))
    return pairs.get("experiment", "adhoc"), pairs.get("seed", "?")


# values of a job's files that the report computes with
NUMBERS = (
    "search_seconds",
    "params_m",
    "test_error",
    "valid_ppl",
    "test_ppl",
    "regret",
    "test_acc",
)


def number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _job(job_dir: Path) -> dict:
    experiment, seed = job_labels(job_dir)
    status_file = job_dir / "status"
    status = _read(status_file, str, str).split("\n", 1) if status_file.exists() else ["missing"]
    job = {
        "dir": job_dir.name,
        "experiment": experiment,
        "seed": seed,
        "status": status[0],
        "detail": status[1].strip() if len(status) > 1 else "",
    }
    # oracle.json was benchmark.json before: runs written then are read as they are
    oracle_report = next(
        (n for n in ("oracle.json", "benchmark.json") if (job_dir / n).exists()), "oracle.json"
    )
    for name, path, needs in (
        ("timing", "timing.json", ("search_seconds",)),
        ("result", "train/result.json", ("params_m",)),
        ("oracle", oracle_report, ()),
    ):
        if (job_dir / path).exists():
            job[name] = _read(job_dir / path, json.loads, dict)
            if missing := [key for key in needs if key not in job[name]]:
                raise ConfigError(f"{job_dir / path} is damaged: no {', '.join(missing)} in it")
            if bad := [
                k for k in (*needs, *NUMBERS) if k in job[name] and not number(job[name][k])
            ]:
                raise ConfigError(f"{job_dir / path} is damaged: {bad[0]} is not a number")
    if (job_dir / "alphas.json").exists():  # the final α entropy, for the regret rows
        entropy = _read(job_dir / "alphas.json", json.loads, dict).get("entropy")
        if isinstance(entropy, int | float):
            job["entropy"] = {"entropy": float(entropy)}
    if "result" in job and not {"test_error", "test_ppl"} & set(job["result"]):
        raise ConfigError(f"{job_dir / 'train/result.json'} is damaged: no test_error/test_ppl")
    if "oracle" in job:  # each oracle names itself in it and knows its own keys
        name = job["oracle"].get("oracle")
        oracle = Oracle.available().get(name) if isinstance(name, str) else None
        problem = "names no known oracle" if oracle is None else oracle.damaged(job["oracle"])
        if problem:
            raise ConfigError(f"{job_dir / oracle_report} is damaged: {problem}")
    return job


def score_columns(results: list[dict]) -> dict[str, str]:
    """Test error for retrained CNNs; validation and test perplexity for recurrent cells."""
    if results and all("test_ppl" in r for r in results):
        return {
            "valid perplexity": mean_std_text([r["valid_ppl"] for r in results]),
            "test perplexity": mean_std_text([r["test_ppl"] for r in results]),
        }
    return {"test error (%)": mean_std_text([r["test_error"] for r in results])}


def report(multirun: Path) -> tuple[str, list[dict]]:
    if not multirun.is_dir():
        raise ConfigError(f"{multirun} is not a directory: give a multirun directory")
    jobs = [_job(d) for d in sorted(multirun.iterdir()) if (d / ".hydra").is_dir()]
    if not jobs:
        raise ConfigError(
            f"no Hydra job directories (with .hydra/) under {multirun}: give a multirun "
            f"directory, e.g. multirun/DATE/TIME"
        )
    by_experiment: dict[str, list[dict]] = defaultdict(list)
    for job in jobs:
        by_experiment[job["experiment"]].append(job)
    rows, problems = [], []
    scored_jobs: dict[str, list[dict]] = {}
    for experiment, group in by_experiment.items():
        scored = [j for j in group if j["status"] == "finished" and "oracle" in j]
        done = [j for j in group if j["status"] == "finished" and "result" in j]
        scored_jobs[experiment] = [j for j in group if j in done or j in scored]
        for j in group:
            if j not in done and j not in scored:
                why = j["detail"] or ("not retrained" if j["status"] == "finished" else "")
                problems.append(f"{experiment} seed {j['seed']} (job {j['dir']}): {j['status']}"
                                + (f" — {why}" if why else ""))  # fmt: skip
        rows.append(
            {
                "method": experiment,
                "seeds": f"{len(done) or len(scored)}/{len(group)}",
                **score_columns([j["result"] for j in done]),
                "params (M)": mean_std_text([j["result"]["params_m"] for j in done]),
                "search (s)": mean_std_text(
                    [j["timing"]["search_seconds"] for j in group if "timing" in j]
                ),
            }
        )
    # a column with no value in any row (test error and params of searches never retrained:
    # make regret's) is left out of the Markdown; report.csv keeps every column
    shown = [{k: v for k, v in r.items() if any(o.get(k, "—") != "—" for o in rows)} for r in rows]
    lines = markdown_table(shown)
    scores: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for experiment, group in by_experiment.items():
        for job in group:
            if job["status"] == "finished" and "oracle" in job:
                extra = {"seed": job["seed"], **job.get("entropy", {})}
                if "timing" in job:  # the regret table's cost column (darts_lab/regret.py)
                    extra["search_seconds"] = job["timing"]["search_seconds"]
                    machine = job["timing"].get("machine")  # absent: timed before it was kept
                    extra["machine"] = machine if isinstance(machine, str) else None
                scores[job["oracle"]["oracle"]][experiment].append({**extra, **job["oracle"]})
    for name, by_method in scores.items():  # each oracle aggregates its own runs
        if section := Oracle.available()[name].aggregate(dict(by_method), multirun):
            lines += ["", *section]
    if (multirun / "multirun.yaml").is_file():  # jobs of the sweep that never made a directory
        rows_status, _ = sweep_status(multirun, checkpoints=False)  # statuses only
        problems += [f"job {r['job']} ({r['overrides']}): never started" for r in rows_status
                     if r["status"] == "missing"]  # fmt: skip
    aggregated = sum(len(r) for r in scored_jobs.values())
    lines += ["", f"Aggregated {aggregated} of {aggregated + len(problems)} jobs."]
    if problems:
        lines += ["", "Left out, and why:", ""] + [f"- {p}" for p in problems]
    markdown = "\n".join(lines) + "\n"
    header = list(dict.fromkeys(key for row in rows for key in row))
    write_text(multirun / "report.md", markdown)

    def write_csv(path: Path) -> None:
        with open(path, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=header, restval="")
            writer.writeheader()
            writer.writerows(rows)

    write_with(multirun / "report.csv", write_csv)
    return markdown, rows


class _Parser(argparse.ArgumentParser):
    """argparse, with its complaint as the one `error:` line darts_lab prints (exit 2)."""

    def error(self, message: str) -> NoReturn:
        raise ConfigError(f"{message} (usage: {self.prog} <multirun dir> [--status] [--publish])")


def main() -> None:
    parser = _Parser(
        prog="python -m darts_lab.report", description="Aggregate a multirun into a report."
    )
    parser.add_argument("multirun", type=Path, help="the sweep directory (hydra.sweep.dir)")
    parser.add_argument(
        "--status", action="store_true", help="every job's state and the command that finishes it"
    )
    parser.add_argument(
        "--publish",
        action="store_true",
        help="also write each oracle's regret rows where it ships them (make regret: the "
        "embedded oracle's, read by make search's context line)",
    )
    try:
        args = parser.parse_args()
        directory = args.multirun.expanduser()
        markdown = status_report(directory) if args.status else report(directory)[0]
        if args.publish and not args.status:
            markdown += "".join(f"\npublished: {path}" for path in publish(directory))
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
    except OSError as e:  # the report's own files: a read-only or full directory
        print(f"error: cannot write {e.filename or args.multirun} ({e.strerror})", file=sys.stderr)
        sys.exit(2)
    print(markdown)


def publish(directory: Path) -> list[Path]:
    """Each oracle's `<name>_regret.json` the report wrote, copied to the oracle's
    `results_file` (the package data it ships), for the oracles that have one."""
    published = []
    for name, oracle in Oracle.available().items():
        summary = directory / f"{name}_regret.json"
        if oracle.results_file is not None and summary.is_file():
            write_text(oracle.results_file, summary.read_text())
            published.append(oracle.results_file)
    return published


if __name__ == "__main__":
    main()
