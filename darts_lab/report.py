"""Aggregate a multirun into a Table-1-style report: `python -m darts_lab.report <multirun dir>`.

Every job directory (one per seed × experiment) is read: its Hydra overrides (experiment, seed),
`status`, `timing.json` (search time) and, when the seed was retrained (`then_train=`),
`train/result.json`. Writes report.md and report.csv into the multirun directory and prints the
Markdown. A seed that failed or is missing its results is named, not fatal.
"""

from __future__ import annotations

import csv
import json
import statistics
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from darts_lab.config import ConfigError


def _read(path: Path, parse: Callable[[str], Any], kind: type) -> Any:
    """A job file, parsed; a damaged one is a one-line ConfigError naming it (a report that
    skipped it silently would be a table of the other seeds)."""
    try:
        value = parse(path.read_text())
    except (ValueError, yaml.YAMLError, UnicodeDecodeError) as e:  # JSONDecodeError too
        reason = (str(e).strip().splitlines() or [""])[0]
        raise ConfigError(f"{path} is damaged ({type(e).__name__}: {reason})") from None
    if not isinstance(value, kind):
        expected = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
        raise ConfigError(f"{path} is damaged: a {type(value).__name__}, not a {expected}")
    return value


def _job(job_dir: Path) -> dict:
    overrides = _read(job_dir / ".hydra" / "overrides.yaml", yaml.safe_load, (list, type(None)))
    pairs = dict(str(o).lstrip("+").split("=", 1) for o in overrides or [] if "=" in str(o))
    status_file = job_dir / "status"
    status = _read(status_file, str, str).split("\n", 1) if status_file.exists() else ["missing"]
    job = {
        "dir": job_dir.name,
        "experiment": pairs.get("experiment", "adhoc"),
        "seed": pairs.get("seed", "?"),
        "status": status[0],
        "detail": status[1].strip() if len(status) > 1 else "",
    }
    for name, path, needs in (
        ("timing", "timing.json", ("search_seconds",)),
        ("result", "train/result.json", ("params_m",)),
        ("benchmark", "benchmark.json", ()),
    ):
        if (job_dir / path).exists():
            job[name] = _read(job_dir / path, json.loads, dict)
            if missing := [key for key in needs if key not in job[name]]:
                raise ConfigError(f"{job_dir / path} is damaged: no {', '.join(missing)} in it")
    if "result" in job and not {"test_error", "test_ppl"} & set(job["result"]):
        raise ConfigError(f"{job_dir / 'train/result.json'} is damaged: no test_error/test_ppl")
    if "regret" in job.get("benchmark", {}) and "test_acc" not in job["benchmark"]:
        raise ConfigError(f"{job_dir / 'benchmark.json'} is damaged: a regret without test_acc")
    return job


def mean_std(values: list[float]) -> tuple[float, float]:
    """Mean and sample std over seeds (std 0 for a single seed)."""
    return statistics.mean(values), statistics.stdev(values) if len(values) > 1 else 0.0


def _mean_std(values: list[float]) -> str:
    if not values:
        return "—"
    return "{:.2f} ± {:.2f}".format(*mean_std(values))


def score_columns(results: list[dict]) -> dict[str, str]:
    """Test error for retrained CNNs; validation and test perplexity for recurrent cells."""
    if results and all("test_ppl" in r for r in results):
        return {
            "valid perplexity": _mean_std([r["valid_ppl"] for r in results]),
            "test perplexity": _mean_std([r["test_ppl"] for r in results]),
        }
    return {"test error (%)": _mean_std([r["test_error"] for r in results])}


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
    for experiment, group in by_experiment.items():
        scored = [j for j in group if j["status"] == "finished" and "benchmark" in j]
        done = [j for j in group if j["status"] == "finished" and "result" in j]
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
                "params (M)": _mean_std([j["result"]["params_m"] for j in done]),
                "search (s)": _mean_std(
                    [j["timing"]["search_seconds"] for j in group if "timing" in j]
                ),
            }
        )
    lines = markdown_table(rows)
    scores = {
        experiment: [j["benchmark"] for j in group if "regret" in j.get("benchmark", {})]
        for experiment, group in by_experiment.items()
    }
    if any(scores.values()):  # searches scored by the embedded benchmark: the regret table
        lines += ["", *regret_section(scores, multirun)]
    if problems:
        lines += ["", "Seeds without a result:"] + [f"- {p}" for p in problems]
    markdown = "\n".join(lines) + "\n"
    header = list(dict.fromkeys(key for row in rows for key in row))
    (multirun / "report.md").write_text(markdown)
    with open(multirun / "report.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return markdown, rows


def markdown_table(rows: list[dict]) -> list[str]:
    header = [h for h in dict.fromkeys(k for r in rows for k in r) if not h.startswith("_")]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(str(r.get(h, "—")) for h in header) + " |" for r in rows]


def regret_section(scores: dict[str, list[dict]], multirun: Path) -> list[str]:
    """Regret table (+ random search from the shipped table) and report.png."""
    from darts_lab.benchmark.regret import RANDOM_K, bar_chart, random_search, regret_rows
    from darts_lab.benchmark.table import load_table

    seeds = max(len(v) for v in scores.values())
    embedded = {r.get("table") for runs in scores.values() for r in runs if "table" in r}
    baseline = {}  # random search on the table the runs were scored by (oracle=embedded only)
    if len(embedded) == 1:
        table = load_table(embedded.pop())
        baseline = {f"random search (k={RANDOM_K})": random_search(table, seeds=range(seeds))}
    rows = regret_rows({**scores, **baseline})
    bar_chart(rows, multirun / "report.png")
    return ["Regret (true test accuracy of the final cell, from its oracle; report.png):", ""] + (
        markdown_table(rows)
    )


def main() -> None:
    try:
        if len(sys.argv) != 2:
            raise ConfigError("usage: python -m darts_lab.report <multirun dir> (one argument)")
        markdown, _ = report(Path(sys.argv[1]).expanduser())
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
    print(markdown)


if __name__ == "__main__":
    main()
