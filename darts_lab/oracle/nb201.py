"""NAS-Bench-201 oracle: the true accuracy of a derived cell, looked up in the benchmark.

Optional: `pip install nas-bench-201` and pass `oracle=nb201
oracle.benchmark_file=<NAS-Bench-201-v1_1-096897.pth>` (or v1_0). Each epoch the current Π_S(α)
is looked up and its test accuracy logged as `oracle/<dataset>` (GAEA Fig. 4); the final
architecture's numbers go to benchmark.json.
Numbers are the benchmark's 200-epoch training, averaged over its seeds.
"""

from __future__ import annotations

import os
from pathlib import Path

import lightning as L

from darts_lab.config import ConfigError
from darts_lab.oracle.base import Oracle
from darts_lab.search_space.base import GenotypeBase

DATASETS = ("cifar10", "cifar100", "ImageNet16-120")


class Nb201Oracle(Oracle):
    name = "nb201"

    def __init__(self, benchmark_file: str | Path) -> None:
        path = Path(benchmark_file).expanduser()
        if not path.is_file():
            raise ConfigError(
                f"oracle.benchmark_file={str(benchmark_file)!r}: no such file (download "
                f"NAS-Bench-201-v1_1-096897.pth from the NAS-Bench-201 repository)"
            )
        try:
            from nas_201_api import NASBench201API
        except ImportError:
            raise ConfigError(
                "oracle=nb201 needs the NAS-Bench-201 API: pip install nas-bench-201"
            ) from None
        self.path = path
        self._api_class = NASBench201API
        self._api = None  # loaded on first use: the real file takes a while and ~GBs of memory

    @property
    def api(self):  # noqa: ANN201 - the benchmark's own API object
        if self._api is None:
            # the benchmark file is a full pickle (torch >= 2.6 defaults to weights-only loads)
            previous = os.environ.get("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD")
            os.environ["TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD"] = "1"
            try:
                self._api = self._api_class(str(self.path), verbose=False)
            finally:
                if previous is None:
                    os.environ.pop("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD")
                else:
                    os.environ["TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD"] = previous
        return self._api

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
            "arch": arch,
            "benchmark_file": str(self.path),
            "test_accuracy": self.test_accuracy(arch),
        }

    def on_train_epoch_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        accuracy = self.test_accuracy(str(module.genotype()))
        module.log_dict({f"oracle/{name}": value for name, value in accuracy.items()})
