"""NAS-Bench-101 oracle for the NAS-Bench-1Shot1 spaces (`oracle=nb101
oracle.data_file=<nasbench_only108.tfrecord>`; needs `pip install tfrecord`).

Each epoch the current Π_S(α) is looked up and its test accuracy and test regret logged as
`oracle/test_acc`, `oracle/regret` (GAEA Fig. 2): accuracies are NAS-Bench-101's 108-epoch
CIFAR-10 results averaged over its repeats; the regret is taken against the best cell of the
same space found in the file (every cell the space's discretization can return, looked up)."""

from __future__ import annotations

from pathlib import Path

from darts_lab.config import ConfigError
from darts_lab.oracle.base import RegretOracle, oracle_file
from darts_lab.oracle.nb101_file import Nb101File
from darts_lab.search_space.nb1shot1_cells import Nb1Shot1Genotype, architectures


class Nb101Oracle(RegretOracle):
    genotype_type = Nb1Shot1Genotype
    title = "NAS-Bench-101: test regret per epoch"

    def __init__(
        self,
        data_file: str | Path | None = None,
        epochs: int = 108,
    ) -> None:
        super().__init__()
        path = oracle_file(data_file, "nasbench_only108.tfrecord")
        if not path.is_file():
            raise ConfigError(
                f"oracle.data_file={str(path)!r}: no such file (download "
                f"nasbench_only108.tfrecord from the NAS-Bench-101 repository)"
            )
        self.file = Nb101File(path, epochs)
        self.best: dict[int, float] = {}  # per space: best mean test accuracy in the file

    def best_in_space(self, space: int) -> float:
        if space not in self.best:
            found = [self.file.lookup(*g.nb101()) for g in architectures(space)]
            self.best[space] = max((r["test"] for r in found if r), default=float("nan"))
        return self.best[space]

    def score(self, genotype: Nb1Shot1Genotype) -> dict[str, float]:
        found = self.file.lookup(*genotype.nb101())
        if found is None:
            return {}
        return {
            "test_acc": found["test"],
            "valid_acc": found["valid"],
            "regret": self.best_in_space(genotype.space) - found["test"],
        }

    def report(self, genotype: Nb1Shot1Genotype) -> dict:
        matrix, ops = genotype.nb101()
        return {
            "oracle": self.name,
            "arch": str(genotype),
            "matrix": matrix,
            "ops": ops,
            **self.score(genotype),
            "best_in_space": self.best_in_space(genotype.space),
            "data_file": str(self.file.path),
            "epochs": self.file.epochs,
            "per_epoch": self.history,
        }

    def summary(self, report: dict) -> str:
        if "test_acc" not in report:
            return "the final cell is not in the NAS-Bench-101 file (oracle=nb101)"
        return (
            f"NAS-Bench-101 test accuracy {100 * report['test_acc']:.2f} %, test regret "
            f"{100 * report['regret']:.2f} points (oracle=nb101)"
        )
