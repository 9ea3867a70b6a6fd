"""NAS-Bench-201 space: cell shapes, Π_S, the architecture string, and the oracle read from a
benchmark file written in the API's own format (its ArchResults/ResultsCount state dicts)."""

import json
from pathlib import Path

import pytest
import torch

from darts_lab.oracle.nb201 import Nb201Oracle
from darts_lab.search import run_search
from darts_lab.search_space.nb201 import EDGES, Nb201Cell, Nb201Genotype, Nb201Network
from tests.conftest import make_cfg

ARCH = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|none~2|"
ALL_CONV = "+".join("|" + "|".join(f"nor_conv_3x3~{j}" for j in range(i)) + "|" for i in (1, 2, 3))


def test_cell_keeps_the_shape_and_network_classifies() -> None:
    ops = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]
    cell = Nb201Cell(6, ops)
    w = torch.softmax(torch.randn(6, 5), -1)
    assert cell(torch.randn(2, 6, 8, 8), w).shape == (2, 6, 8, 8)
    net = Nb201Network(3, 10, init_channels=4, cells_per_stage=1)
    logits = net(torch.randn(2, 3, 16, 16), {"cell": torch.softmax(torch.randn(6, 5), -1)})
    assert logits.shape == (2, 10) and net.arch_shapes() == {"cell": (6, 5)}


def test_edge_order_is_nb201s() -> None:
    assert EDGES == [(0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3)]


def test_architecture_string_round_trips() -> None:
    genotype = Nb201Genotype.from_string(ARCH)
    assert genotype.ops == (
        "nor_conv_3x3",
        "nor_conv_3x3",
        "avg_pool_3x3",
        "skip_connect",
        "nor_conv_3x3",
        "none",
    )
    assert str(genotype) == ARCH
    assert Nb201Genotype.from_json(genotype.to_json()) == genotype
    with pytest.raises(ValueError, match="not a NAS-Bench-201"):
        Nb201Genotype.from_string("|nor_conv_3x3~0|+|conv_9x9~0|avg_pool_3x3~1|")


def test_discretize_is_argmax_per_edge_none_included() -> None:
    net = Nb201Network(1, 10, init_channels=4, cells_per_stage=1)
    w = torch.full((6, 5), 0.1)
    for e, op in enumerate([3, 3, 4, 1, 3, 0]):  # crafted: edge e's strongest op
        w[e, op] = 0.6
    assert str(net.discretize({"cell": w})) == ARCH


def write_benchmark(path: Path, accuracies: dict[str, float]) -> Path:
    """A three-architecture NAS-Bench-201 file, built with the API's own classes and torch.save."""
    from nas_201_api.api_utils import ArchResults, ResultsCount

    archs = [ARCH, ARCH.replace("none~2", "skip_connect~2"), ALL_CONV]
    evals = {"cifar10": "ori-test", "cifar100": "x-test", "ImageNet16-120": "x-test"}

    def results(index: int) -> dict:
        arch = ArchResults(index, archs[index])
        for dataset, eval_name in evals.items():
            for seed, shift in ((777, -0.5), (888, 0.5)):  # the oracle averages the seeds
                run = ResultsCount(
                    dataset,
                    None,
                    {0: 50.0},
                    {0: 1.0},
                    1.0,
                    1.0,
                    {"arch_str": archs[index]},
                    seed,
                    1,
                    [0.01],
                )
                acc = accuracies[dataset] + shift + index
                key = f"{eval_name}@0"
                run.update_eval({key: acc}, {key: 0.5}, {key: 1.0})
                arch.update(dataset, seed, run)
        return arch.state_dict()

    data = {
        "meta_archs": archs,
        "arch2infos": {i: {"less": results(i), "full": results(i)} for i in range(3)},
        "evaluated_indexes": [0, 1, 2],
        "total_archs": 3,
    }
    torch.save(data, path)
    return path


def test_oracle_reads_a_benchmark_file(tmp_path: Path) -> None:
    pytest.importorskip("nas_201_api")
    truth = {"cifar10": 93.5, "cifar100": 70.25, "ImageNet16-120": 44.0}
    oracle = Nb201Oracle(write_benchmark(tmp_path / "nb201.pth", truth))
    assert oracle.test_accuracy(ARCH) == pytest.approx(truth)
    other = ARCH.replace("none~2", "skip_connect~2")
    assert oracle.test_accuracy(other)["cifar10"] == pytest.approx(94.5)
    assert oracle.test_accuracy(ARCH.replace("none~2", "avg_pool_3x3~2")) == {}


def test_search_with_oracle_logs_and_writes_benchmark_json(tmp_path: Path) -> None:
    pytest.importorskip("nas_201_api")
    bench = write_benchmark(
        tmp_path / "nb201.pth", {"cifar10": 90, "cifar100": 60, "ImageNet16-120": 30}
    )
    # one candidate op, so the derived cell is known in advance: ALL_CONV (index 2: +2 points)
    cfg = make_cfg(
        "search_space=nb201",
        "search_space.init_channels=4",
        "search_space.cells_per_stage=1",
        "search_space.ops=[nor_conv_3x3]",
        "oracle=nb201",
        f"oracle.data_file={bench}",
        "logger=csv",
        "trainer.limit_train_batches=2",
        "trainer.limit_val_batches=1",
        "trainer.max_epochs=2",
    )
    assert str(run_search(cfg, tmp_path / "run")) == ALL_CONV
    report = json.loads((tmp_path / "run" / "oracle.json").read_text())
    assert report["arch"] == ALL_CONV
    assert report["test_accuracy"] == pytest.approx(
        {"cifar10": 92.0, "cifar100": 62.0, "ImageNet16-120": 32.0}
    )
    metrics = next((tmp_path / "run").rglob("metrics.csv")).read_text().splitlines()
    column = metrics[0].split(",").index("oracle/cifar10")
    logged = [float(r.split(",")[column]) for r in metrics[1:] if r.split(",")[column]]
    assert logged == [92.0, 92.0]  # once per epoch (GAEA Fig. 4)


def test_oracle_needs_nb201_and_an_existing_file(tmp_path: Path) -> None:
    from darts_lab.config import ConfigError

    with pytest.raises(ConfigError, match="no such file"):
        Nb201Oracle(tmp_path / "missing.pth")
    with pytest.raises(ConfigError, match="oracle=nb201 knows no architectures of search_space="):
        run_search(make_cfg("oracle=nb201", f"oracle.data_file={tmp_path}"), tmp_path / "run")


def test_without_oracle_one_line_says_how(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO")
    cfg = make_cfg(
        "search_space=nb201",
        "search_space.init_channels=4",
        "search_space.cells_per_stage=1",
        "trainer.limit_train_batches=2",
        "trainer.limit_val_batches=1",
        "figures=true",
    )
    genotype = run_search(cfg, tmp_path / "run")
    assert isinstance(genotype, Nb201Genotype)
    line = next(line for line in caplog.text.splitlines() if "no oracle:" in line)
    assert {"oracle=nb201", "oracle=embedded", "oracle=analognas"} <= set(line.split())
    assert (tmp_path / "run" / "cell_cell.png").stat().st_size > 0
