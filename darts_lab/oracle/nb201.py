"""NAS-Bench-201 oracle: the true accuracy of a derived cell, looked up in the benchmark.

Optional: `pip install nas-bench-201` and pass `oracle=nb201
oracle.data_file=<NAS-Bench-201-v1_1-096897.pth>` (or v1_0). Each epoch the current Π_S(α)
is looked up and its test accuracy logged as `oracle/<dataset>` (GAEA Fig. 4); the final
architecture's numbers go to oracle.json.
Numbers are the benchmark's 200-epoch training, averaged over its seeds.
"""

from __future__ import annotations

from pathlib import Path

import lightning as L
import numpy as np

from darts_lab.config import ConfigError
from darts_lab.export.tables import markdown_table
from darts_lab.oracle.base import Oracle, Scores, oracle_file
from darts_lab.safe_load import load_torch
from darts_lab.search_space.base import GenotypeBase
from darts_lab.search_space.nb201 import Nb201Genotype
from darts_lab.stats import mean_std_text

DATASETS = ("cifar10", "cifar100", "ImageNet16-120")
KEYS = ("meta_archs", "arch2infos", "evaluated_indexes")
# What the real files hold beyond plain data: each result's `params` is a numpy float64 (the
# 2019 AutoDL flop counter divides an np.int64 by 1e6), pickled with numpy 1.x's module path.
# These rebuild a numeric scalar from its dtype and bytes; nothing else is admitted.
SAFE_GLOBALS = [
    (np._core.multiarray.scalar, "numpy.core.multiarray.scalar"),  # files of numpy 1.x
    np._core.multiarray.scalar,  # files written with numpy >= 2
    np.dtype,
    np.dtypes.Float64DType,
]


class _Loaded(dict):
    """The loaded file, handed to the API as a dict (so the API never calls torch.load itself)
    without the deep copy it makes of a dict argument: the real file is GBs in memory."""

    def __deepcopy__(self, memo: dict) -> _Loaded:
        return self


def load_benchmark(path: Path) -> dict:
    """The NAS-Bench-201 file, loaded weights_only with exactly SAFE_GLOBALS; a truncated,
    foreign or hostile file is one line."""
    what = "NAS-Bench-201 benchmark file"
    data = load_torch(path, what, SAFE_GLOBALS, option="oracle.data_file")
    missing = [key for key in KEYS if not isinstance(data, dict) or key not in data]
    if missing:
        raise ConfigError(
            f"oracle.data_file={str(path)!r} is not a {what}: no {', '.join(missing)} in it"
        )
    return _Loaded(data)


class Nb201Oracle(Oracle):
    genotype_type = Nb201Genotype

    def __init__(self, data_file: str | Path | None = None) -> None:
        path = oracle_file(data_file, "NAS-Bench-201-v1_1-096897.pth")
        if not path.is_file():
            raise ConfigError(
                f"oracle.data_file={str(path)!r}: no such file (download "
                f"NAS-Bench-201-v1_1-096897.pth from the NAS-Bench-201 repository)"
            )
        try:
            from nas_201_api import NASBench201API
        except ImportError:
            raise ConfigError(
                "oracle=nb201 needs the NAS-Bench-201 API: pip install nas-bench-201"
            ) from None
        self.path = path
        # loaded now, before the search: a wrong file must fail before any compute is spent
        # (the real file takes about a minute and GBs of memory)
        self.api = NASBench201API(load_benchmark(path), verbose=False)

    def test_accuracy(self, arch: str) -> dict[str, float]:
        """Test accuracy (%) per dataset of an architecture string; {} if not in the benchmark."""
        index = self.api.query_index_by_arch(arch)
        if index < 0:
            return {}
        out = {}
        for dataset in DATASETS:
            try:
                info = self.api.get_more_info(index, dataset, hp="200", is_random=False)
            except (KeyError, ValueError):  # a partial benchmark file may lack a dataset
                continue
            out[dataset] = float(info["test-accuracy"])
        return out

    def report(self, genotype: GenotypeBase) -> dict:
        arch = str(genotype)
        return {
            "oracle": self.name,
            "arch": arch,
            "data_file": str(self.path),
            "test_accuracy": self.test_accuracy(arch),
        }

    def on_train_epoch_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        accuracy = self.test_accuracy(str(module.genotype()))
        module.log_dict({f"oracle/{name}": value for name, value in accuracy.items()})

    @classmethod
    def damaged(cls, report: dict) -> str | None:
        if not isinstance(report.get("test_accuracy"), dict):
            return "no test_accuracy per dataset"
        return None

    @classmethod
    def aggregate(cls, scores: Scores, out_dir: Path) -> list[str]:
        """Per method, NAS-Bench-201's test accuracy of the final cell per dataset (GAEA
        Table 2's columns), mean ± std over seeds."""
        rows = [
            {
                "method": method,
                "seeds": len(runs),
                **{
                    f"{dataset} test acc (%)": mean_std_text(
                        [r["test_accuracy"][dataset] for r in runs if dataset in r["test_accuracy"]]
                    )
                    for dataset in DATASETS
                },
            }
            for method, runs in scores.items()
            if runs
        ]
        if not rows:
            return []
        return ["oracle=nb201: NAS-Bench-201 test accuracy of the final cell:", ""] + (
            markdown_table(rows)
        )
