"""AnalogNAS-Bench (oracle=analognas): its op-code / edge-order mapping on crafted tuples, the
restricted unpickler on a table written in the package's real pickle layout (and on a hostile
one), a search scored by it, and `benchmark validate` against it (τ by hand)."""

from __future__ import annotations

import json
import pickle
import sys
import types
from pathlib import Path

import pytest

from darts_lab.config import ConfigError
from darts_lab.embedded.table import Table
from darts_lab.embedded.validate import transfer
from darts_lab.oracle.analognas import AnalogNasOracle, load_accuracies, to_codes
from darts_lab.search import run_search
from tests.conftest import make_cfg
from tests.hostile import Payload
from tests.test_nb201 import ALL_CONV

MIXED = "|nor_conv_3x3~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|none~2|"
CUT_OFF = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"


def write_anb(path: Path, accuracies: dict[tuple[int, ...], float], monkeypatch) -> Path:
    """A data.anb as the package ships it: {6-tuple: analognasbench.data.Architecture} pickled
    with protocol 4, records holding their fields (and a DriftMeasurement) in __dict__."""
    module = types.ModuleType("analognasbench.data")

    class Architecture:
        pass

    class DriftMeasurement:
        pass

    for cls in (Architecture, DriftMeasurement):
        cls.__module__, cls.__qualname__ = module.__name__, cls.__name__
        setattr(module, cls.__name__, cls)
    package = types.ModuleType("analognasbench")
    package.data = module
    monkeypatch.setitem(sys.modules, "analognasbench", package)
    monkeypatch.setitem(sys.modules, "analognasbench.data", module)
    data = {}
    for key, accuracy in accuracies.items():
        record, drift = Architecture(), DriftMeasurement()
        drift.value, drift.uncertainty = 1.0, 0.5
        record.architecture, record.baseline_accuracy = key, accuracy
        record.baseline_drift_60 = drift
        data[key] = record
    path.write_bytes(pickle.dumps(data, protocol=4))
    return path


def test_codes_follow_naslib_order() -> None:
    # NB201 string positions (0→1, 0→2, 1→2, 0→3, 1→3, 2→3) → NASLib's (0→1, 0→2, 0→3, 1→2, ...)
    assert to_codes(MIXED) == (2, 1, 0, 4, 3, 1)
    assert to_codes(CUT_OFF) == (1,) * 6 and to_codes(ALL_CONV) == (2,) * 6


def test_reads_the_real_layout_and_scores(tmp_path: Path, monkeypatch) -> None:
    table = {(2,) * 6: 94.0, to_codes(MIXED): 80.0, (1,) * 6: 10.0, (0,) * 6: 60.0}
    path = write_anb(tmp_path / "data.anb", table, monkeypatch)
    monkeypatch.delitem(sys.modules, "analognasbench.data")  # the package is never imported
    monkeypatch.delitem(sys.modules, "analognasbench")
    assert load_accuracies(path) == table
    oracle = AnalogNasOracle(str(path))
    cut_off = oracle.score(Nb201(CUT_OFF))
    assert cut_off["test_acc"] == pytest.approx(0.10) and cut_off["regret"] == pytest.approx(0.84)
    assert oracle.score(Nb201(MIXED))["percentile"] == pytest.approx(75.0)  # beats or ties 3 of 4


def Nb201(arch: str):  # noqa: N802, ANN201 - a genotype from its string
    from darts_lab.search_space.nb201 import Nb201Genotype

    return Nb201Genotype.from_string(arch)


def test_any_other_global_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    path = tmp_path / "data.anb"
    path.write_bytes(pickle.dumps({(0,) * 6: Payload(marker)}, protocol=4))
    with pytest.raises(ConfigError, match=r"oracle.table_file=.*holds a pickled posix.system"):
        AnalogNasOracle(str(path))
    assert not marker.exists()
    (tmp_path / "list.anb").write_bytes(pickle.dumps([1, 2, 3]))
    with pytest.raises(ConfigError, match="is not an AnalogNAS-Bench table"):
        AnalogNasOracle(str(tmp_path / "list.anb"))


def test_search_scored_by_analognas(tmp_path: Path, monkeypatch) -> None:
    """One candidate op, so the derived cell is known: all nor_conv_3x3 (the best over that op)."""
    path = write_anb(tmp_path / "data.anb", {(2,) * 6: 93.5, (0,) * 6: 60.0}, monkeypatch)
    cfg = make_cfg(
        "search_space=nb201",
        "search_space.ops=[nor_conv_3x3]",
        "oracle=analognas",
        f"oracle.table_file={path}",
        "trainer.limit_train_batches=2",
        "trainer.limit_val_batches=1",
        "trainer.max_epochs=2",
    )
    assert str(run_search(cfg, tmp_path / "run")) == ALL_CONV
    report = json.loads((tmp_path / "run" / "oracle.json").read_text())
    assert report["oracle"] == "analognas" and report["test_acc"] == pytest.approx(0.935)
    assert report["regret"] == 0 and report["percentile"] == 100 and len(report["per_epoch"]) == 2


def test_validate_transfer_by_hand() -> None:
    """Three cells: ours ranks them a < b < c, CIFAR-10 a < c < b → τ = (2 − 1)/3."""
    archs = [CUT_OFF, MIXED, ALL_CONV]
    cells = {
        str(i): {"arch": a, "members": [a], "runs": [{"test_acc": acc}]}
        for i, (a, acc) in enumerate(zip(archs, (0.1, 0.5, 0.9), strict=True))
    }
    external = {to_codes(CUT_OFF): 10.0, to_codes(MIXED): 90.0, to_codes(ALL_CONV): 80.0}
    result = transfer(Table({}, "x", cells), external)
    assert result["kendall_tau"] == pytest.approx(1 / 3)
    assert result["spearman"] == pytest.approx(0.5)
    assert result["best_cell_external_percentile"] == pytest.approx(200 / 3)
