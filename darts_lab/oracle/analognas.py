"""AnalogNAS-Bench as an oracle (`oracle=analognas`; Benmeziane et al. 2025, the pip package
`analog-nasbench`): the CIFAR-10 test accuracy of every one of NAS-Bench-201's 15,625 cells,
trained from scratch once each with NAS-Bench-201's 200-epoch recipe (SGD 0.1, Nesterov, wd
5e-4, cosine, batch 256, crop + flip, the full 50k training set). Not NAS-Bench-201's numbers:
one run per cell (NB201 averages its seeds) and the score is the mean of 25 passes over the test
set with the training augmentation on (all-skip: 60.78 % here, 54.30 % in NB201).

Each epoch Π_S(α) is looked up and its test accuracy, regret and percentile among the cells of
the search's own op subset are logged as `oracle/*`, like oracle=embedded; a search on NB201
with CIFAR-10 data gets ground truth without NB201's 2 GB file.

The table is the package's pickle `data.anb`, read safely by darts_lab/data/analognas_bench.py.
"""

from __future__ import annotations

import bisect
from pathlib import Path
from typing import TYPE_CHECKING

from darts_lab.callbacks.param_free_ops import nb201_parameter_free
from darts_lab.config import ConfigError
from darts_lab.data.analognas_bench import (
    CODES,
    installed_accuracies,
    load_accuracies,
    shipped_table,
    to_codes,
)
from darts_lab.oracle.base import RegretOracle
from darts_lab.search_space.base import GenotypeBase, SearchSpace
from darts_lab.search_space.nb201 import Nb201Genotype

if TYPE_CHECKING:
    from darts_lab.baseline.base import TableView


def _score(accuracy: dict[tuple[int, ...], float], ordered: list[float], arch: str) -> dict:
    """Test accuracy, regret and percentile (share of `ordered` it beats or ties, in %) of an
    architecture among the cells of `ordered`; {} for a cell not in the table."""
    value = accuracy.get(to_codes(arch))
    if value is None:
        return {}
    share = bisect.bisect_right(ordered, value) / len(ordered)
    return {
        "test_acc": value / 100,
        "regret": (ordered[-1] - value) / 100,
        "percentile": 100 * share,
    }


class AnalogNasOracle(RegretOracle):
    genotype_type = Nb201Genotype
    title = "AnalogNAS-Bench (CIFAR-10, 200 epochs): regret per epoch"

    def __init__(self, table_file: str | None = None) -> None:
        super().__init__()
        self.path = Path(table_file).expanduser() if table_file else shipped_table()
        if not self.path.is_file():
            raise ConfigError(f"oracle.table_file={str(self.path)!r}: no such file")
        self.accuracy = load_accuracies(self.path)
        self.ops: list[str] = list(CODES)
        self._sorted = sorted(self.accuracy.values())

    def check(self, space: SearchSpace) -> None:
        """Regret and percentile are taken among the cells of the search's own op subset."""
        self.ops = list(space.ops)
        allowed = {CODES.index(op) for op in self.ops}
        self._sorted = sorted(a for k, a in self.accuracy.items() if set(k) <= allowed)
        if not self._sorted:
            raise ConfigError(f"oracle.table_file={self.path} has no cell over {self.ops}")

    def score(self, genotype: GenotypeBase) -> dict[str, float]:
        return _score(self.accuracy, self._sorted, str(genotype))

    @classmethod
    def table_view(cls, reports: list[dict]) -> TableView | None:
        """The table and op subset the runs were scored with (when they agree on both). The
        table holds one accuracy per cell, its test accuracy: a query returns that (the search
        sees what it is judged by), and no seconds per trained cell are recorded."""
        from darts_lab.baseline.base import TableView
        from darts_lab.baseline.nb201 import nb201_archs, nb201_neighbours

        setups = {(r.get("table_file"), tuple(r.get("ops") or CODES)) for r in reports}
        if len(setups) != 1:
            return None
        path, ops = setups.pop()
        try:
            accuracy = load_accuracies(Path(path)) if path else installed_accuracies()
        except ConfigError:  # the table has moved since the runs: no baselines, still a report
            return None
        archs = nb201_archs(ops)
        if accuracy is None or any(to_codes(a) not in accuracy for a in archs):
            return None
        ordered = sorted(accuracy[to_codes(a)] for a in archs)
        return TableView(
            archs=archs,
            validate=lambda arch: accuracy[to_codes(arch)] / 100,
            score=lambda arch: _score(accuracy, ordered, arch),
            neighbours=lambda arch: nb201_neighbours(arch, ops),
            about=(
                f"AnalogNAS-Bench's CIFAR-10 table over {', '.join(ops)} ({len(archs)} cells): a "
                f"query returns the cell's one (test) accuracy"
            ),
        )

    def report(self, genotype: GenotypeBase) -> dict:
        return {
            "oracle": self.name,
            "arch": str(genotype),
            **self.score(genotype),
            "best_in_space": self._sorted[-1] / 100,
            "ops": self.ops,
            "table_file": str(self.path),
            "per_epoch": self.history,
        }

    @classmethod
    def parameter_free(cls, report: dict) -> int | None:
        return nb201_parameter_free(report["arch"])

    def summary(self, report: dict) -> str:
        if "test_acc" not in report:
            return "the final cell is not in the AnalogNAS-Bench table (oracle=analognas)"
        return (
            f"CIFAR-10 test accuracy {100 * report['test_acc']:.2f} % (AnalogNAS-Bench, 200 "
            f"epochs), regret {100 * report['regret']:.2f} points, percentile "
            f"{report['percentile']:.0f} among {len(self._sorted)} cells over its ops"
        )
