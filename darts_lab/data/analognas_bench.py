"""AnalogNAS-Bench's table (Benmeziane et al. 2025, the pip package `analog-nasbench`): the
CIFAR-10 test accuracy of each of NAS-Bench-201's 15,625 cells, read from the package's pickle
`data.anb` without importing the package. Read by the analognas oracle (oracle/analognas.py) and
by the embedded benchmark, which measures its own table's ranking against it.

The pickle is a dict from a 6-tuple of op codes (NASLib's: 0 skip_connect, 1 none, 2
nor_conv_3x3, 3 nor_conv_1x1, 4 avg_pool_3x3; edges in NASLib's order 0→1, 0→2, 0→3, 1→2, 1→3,
2→3) to a record object. A restricted unpickler resolves the package's two record classes to a
plain stand-in and refuses every other global, so neither the package's code nor anything else
runs while loading (darts_lab/safe_load.py)."""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

from darts_lab.config import ConfigError
from darts_lab.safe_load import load_pickle
from darts_lab.search_space.nb201 import EDGES, Nb201Genotype

CODES = ("skip_connect", "none", "nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3")  # NASLib
NASLIB_EDGES = [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]
# position in the NB201 string (darts_lab's edge order) of each NASLib tuple position
ORDER = [EDGES.index(edge) for edge in NASLIB_EDGES]


class _Record:
    """What the package's Architecture / DriftMeasurement records unpickle into: their fields."""


RECORDS = {("analognasbench.data", name): _Record for name in ("Architecture", "DriftMeasurement")}


def to_codes(arch: str) -> tuple[int, ...]:
    """An NB201 architecture string → the table's key."""
    ops = Nb201Genotype.from_string(arch).ops
    return tuple(CODES.index(ops[i]) for i in ORDER)


def shipped_table(option: str = "oracle.table_file") -> Path:
    """The data.anb of the installed analog-nasbench, found without importing the package (it
    imports pandas)."""
    spec = importlib.util.find_spec("analognasbench")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(
            "AnalogNAS-Bench's table is missing: pip install analog-nasbench (the analognas "
            f"extra), or give {option}=PATH/data.anb"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data.anb"


@functools.cache
def installed_accuracies() -> dict[tuple[int, ...], float] | None:
    """The installed package's table, read once; None without the package."""
    try:
        return load_accuracies(shipped_table())
    except ConfigError:
        return None


def load_accuracies(path: Path, option: str = "oracle.table_file") -> dict[tuple[int, ...], float]:
    """CIFAR-10 test accuracy (%) per op-code tuple."""
    data = load_pickle(path, "AnalogNAS-Bench table", RECORDS, option=option)
    try:
        table = {
            tuple(int(c) for c in key): float(vars(record)["baseline_accuracy"])
            for key, record in data.items()
        }
    except (AttributeError, KeyError, TypeError, ValueError) as e:
        raise ConfigError(
            f"{option}={path} is not an AnalogNAS-Bench table ({type(e).__name__}: {e})"
        ) from None
    if not table or any(len(k) != len(NASLIB_EDGES) for k in table):
        raise ConfigError(f"{option}={path} is not an AnalogNAS-Bench table (no cells)")
    return table
