"""The benchmark table: per functionally distinct cell, its member architecture strings and one
result per seed. Read with `load_table`, which checks the protocol recorded inside against the
code's, so a table and the code that reads it cannot silently disagree."""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from darts_lab.config import ConfigError
from darts_lab.embedded.cells import expression
from darts_lab.embedded.protocol import LEGACY, Protocol
from darts_lab.search_space.nb201 import Nb201Genotype

SHIPPED = Path(__file__).with_name("fashion_nb201.json")
TEST_IMAGES = 359  # digits' test split; for runs written before each run recorded its count


@dataclass
class Table:
    protocol: dict
    code_version: str
    cells: dict[str, dict]  # expression → {"arch", "members", "runs": [{seed, *_acc, ...}]}

    def entry(self, arch: str) -> dict | None:
        ops = Nb201Genotype.from_string(arch).ops
        return self.cells.get(expression(ops))

    def mean(self, entry: dict, metric: str = "test_acc") -> float:
        if metric == "test_acc":
            return float(self.exact_accuracy(entry))
        return statistics.mean(run[metric] for run in entry["runs"])

    @staticmethod
    def exact_accuracy(entry: dict) -> Fraction:
        """Mean test accuracy over seeds as an exact fraction of correctly classified images,
        so cells with the same counts tie exactly (float means of float32 accuracies did not)."""
        correct = images = 0
        for run in entry["runs"]:
            n = run.get("test_images", TEST_IMAGES)
            correct += run.get("test_correct", round(run["test_acc"] * n))
            images += n
        return Fraction(correct, images)

    def test_accuracies(self) -> list[float]:
        """Mean test accuracy of every distinct cell."""
        return [float(a) for a in self._exact()]

    def _exact(self) -> list[Fraction]:
        return [self.exact_accuracy(e) for e in self.cells.values() if e["runs"]]

    def score(self, arch: str) -> dict[str, float]:
        """Mean test accuracy, regret (best in the table − this) and percentile (share of
        distinct cells this one beats or ties, in %) of an architecture, from exact counts."""
        entry = self.entry(arch)
        if entry is None or not entry["runs"]:
            raise KeyError(f"{arch} is not in the benchmark table")
        accuracy, everything = self.exact_accuracy(entry), self._exact()
        return {
            "test_acc": float(accuracy),
            "regret": float(max(everything) - accuracy),
            "percentile": 100.0 * sum(a <= accuracy for a in everything) / len(everything),
        }

    def quality(self) -> dict[str, float]:
        """Does the architecture matter on this task? (best − median) mean test accuracy over the
        median per-cell seed std, and Kendall τ between the first two seeds' accuracies."""
        means = sorted(self.test_accuracies())
        stds = [
            statistics.stdev(run["test_acc"] for run in e["runs"])
            for e in self.cells.values()
            if len(e["runs"]) > 1
        ]
        pairs = [(e["runs"][0]["test_acc"], e["runs"][1]["test_acc"]) for e in self.cells.values()]
        return {
            "cells": len(means),
            "best": means[-1],
            "median": statistics.median(means),
            "median_seed_std": statistics.median(stds),
            "gap_over_std": (means[-1] - statistics.median(means)) / statistics.median(stds),
            "kendall_tau": kendall_tau(pairs),
        }

    def to_json(self) -> dict:
        return {"protocol": self.protocol, "code_version": self.code_version, "cells": self.cells}


def load_table(
    path: str | Path = SHIPPED,
    protocol: Protocol | None = None,
    option: str = "table",
    any_protocol: bool = False,
) -> Table:
    """The table at `path`; refuses one built with another protocol than `protocol` (the code's
    default unless given; `any_protocol`: take what it says, as `validate` does), or a file
    that is not a table, in one line starting `option=path`."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise ConfigError(
            f"{option}={path}: no benchmark table there: build one with "
            f"python -m darts_lab.embedded build"
        )
    try:
        data = json.loads(path.read_text())
        if not isinstance(data, dict) or not isinstance(data.get("cells"), dict):
            raise ValueError("no 'cells' table in it")
    except (ValueError, UnicodeDecodeError) as e:  # JSONDecodeError is a ValueError
        raise ConfigError(
            f"{option}={path} is not a darts_lab benchmark table ({type(e).__name__}: {e}); "
            f"build one with python -m darts_lab.embedded build"
        ) from None
    expected = (protocol or Protocol()).to_json()
    if isinstance(data.get("protocol"), dict):  # keys added since it was built: their old value
        data["protocol"] = {**LEGACY, **data["protocol"]}
    if not any_protocol and data.get("protocol") != expected:
        raise ConfigError(
            f"{option}={path} was built with protocol {data.get('protocol')}, the code's is "
            f"{expected}: rebuild it with python -m darts_lab.embedded build"
        )
    return Table(data["protocol"], data.get("code_version", "unknown"), data["cells"])


def kendall_tau(pairs: list[tuple[float, float]]) -> float:
    """Kendall's τ-b of paired values (ties counted as neither concordant nor discordant)."""
    concordant = discordant = ties_a = ties_b = 0
    for i in range(len(pairs)):
        for j in range(i + 1, len(pairs)):
            da, db = pairs[i][0] - pairs[j][0], pairs[i][1] - pairs[j][1]
            if da == 0 and db == 0:
                continue
            if da == 0:
                ties_a += 1
            elif db == 0:
                ties_b += 1
            elif (da > 0) == (db > 0):
                concordant += 1
            else:
                discordant += 1
    n_a = concordant + discordant + ties_b  # pairs not tied in a
    n_b = concordant + discordant + ties_a
    return (concordant - discordant) / (n_a * n_b) ** 0.5 if n_a and n_b else 0.0
