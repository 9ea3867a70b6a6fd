"""NAS-Bench-1Shot1: the spaces' sizes, Π_S's input limits, the one-shot model against the
discrete cell it encodes, the NAS-Bench-101 file reader and the oracle in a search."""

from __future__ import annotations

import base64
import json
import struct
import sys
from pathlib import Path

import pytest
import torch

from darts_lab.config import ConfigError
from darts_lab.search import run_search
from darts_lab.search_space.nb1shot1 import Nb1Shot1Network, input_keys
from darts_lab.search_space.nb1shot1_cells import (
    NB101_OPS,
    PARENTS,
    Nb1Shot1Genotype,
    architectures,
    parent_choices,
)
from tests.conftest import make_cfg


def count_with_loose_ends(space: int) -> int:
    """Zela et al.'s count "with loose ends": per choice of inputs, 3^(intermediate nodes that
    feed another node)."""
    steps = len(PARENTS[space]) - 1
    total = 0
    for parents in parent_choices(space):
        feeding = {p for ps in parents for p in ps} & set(range(1, steps + 1))
        total += len(NB101_OPS) ** len(feeding)
    return total


SMALL = ["trainer.limit_train_batches=2", "trainer.limit_val_batches=1", "dataset.batch_size=16"]


def test_space_sizes_against_the_paper_and_the_reference() -> None:
    # Zela et al. Table 1 (with loose ends): 6,240 / 29,160 / 363,648. Spaces 1 and 3 are
    # Σ over input choices of 3^(nodes feeding another node); space 2's figure is the plain
    # product of input choices and ops (the same rule gives 16,632 there).
    assert [count_with_loose_ends(s) for s in (1, 2, 3)] == [6240, 16632, 363648]
    products = [sum(1 for _ in parent_choices(s)) * 3 ** (len(PARENTS[s]) - 1) for s in (1, 2, 3)]
    assert products == [14580, 29160, 1312200]
    # every distinct cell Π_S can return (loose ends dropped); the reference's own enumeration
    # (generate_search_space_without_loose_ends) finds 2,487 / 3,609 / 24,066, a subset: its
    # recursion drops the inputs of all but the last parent of each node
    assert [sum(1 for _ in architectures(s)) for s in (1, 2, 3)] == [3702, 12474, 135900]


def test_arch_keys_follow_the_reference() -> None:
    # nodes with a choice of inputs: space 1 from node 3 on, spaces 2 and 3 from node 2 on
    assert list(input_keys(1)) == [3, 4]
    assert list(input_keys(2)) == [2, 3, 4]
    assert list(input_keys(3)) == [2, 3, 4, 5]
    shapes = Nb1Shot1Network(3, 10, space=3, **Nb1Shot1Network.tiny).arch_shapes()
    assert shapes == {
        "cell": (5, 3),
        "cell_in2": (1, 2),
        "cell_in3": (1, 3),
        "cell_in4": (1, 4),
        "cell_in5": (1, 5),
        "cell_out": (1, 6),
    }


def test_discretization_keeps_each_nodes_input_count() -> None:
    net = Nb1Shot1Network(3, 10, space=2, **Nb1Shot1Network.tiny)
    w = {
        "cell": torch.tensor([[0.1, 0.8, 0.1], [0.6, 0.2, 0.2], [0.1, 0.1, 0.8], [0.3, 0.3, 0.4]]),
        "cell_in2": torch.tensor([[0.3, 0.7]]),  # keeps 1 of {0, 1}
        "cell_in3": torch.tensor([[0.5, 0.1, 0.4]]),  # keeps 2 of {0, 1, 2}
        "cell_in4": torch.tensor([[0.1, 0.2, 0.3, 0.4]]),  # keeps 2 of {0..3}
        "cell_out": torch.tensor([[0.3, 0.05, 0.25, 0.1, 0.3]]),  # keeps 3 of {0..4}
    }
    g = net.discretize(w)
    assert g.ops == ("conv3x3-bn-relu", "maxpool3x3", "conv1x1-bn-relu", "conv1x1-bn-relu")
    assert g.parents == ((0,), (1,), (0, 2), (2, 3), (0, 2, 4))
    assert g.live() == {1, 2, 3, 4}  # 1 → 2 → 4 → out; 3 → 4
    matrix, ops = g.nb101()  # 4 intermediate nodes: an unused vertex 5 before the output
    assert ops == ["input", *g.ops, "conv1x1-bn-relu", "output"]
    assert [(a, b) for a in range(7) for b in range(7) if matrix[a][b]] == [
        (0, 1), (0, 3), (0, 6), (1, 2), (2, 3), (2, 4), (2, 6), (3, 4), (4, 6)
    ]  # fmt: skip
    for space in (1, 2, 3):  # random α: every node keeps exactly its number of inputs
        net = Nb1Shot1Network(3, 10, space=space, **Nb1Shot1Network.tiny)
        for _ in range(20):
            w = {k: torch.rand(s) for k, s in net.arch_shapes().items()}
            assert tuple(map(len, net.discretize(w).parents)) == PARENTS[space]


def test_loose_ends_leave_the_cell() -> None:
    g = Nb1Shot1Genotype(3, ("maxpool3x3",) * 5, ((0,), (1,), (2,), (0, 3), (0, 1), (0, 5)))
    assert g.live() == {1, 5}  # 2, 3, 4 feed nothing on a path to the output
    matrix, _ = g.nb101()
    assert [(a, b) for a in range(7) for b in range(7) if matrix[a][b]] == [
        (0, 1), (0, 5), (0, 6), (1, 5), (5, 6)
    ]  # fmt: skip
    assert str(g) == "space3 1:maxpool3x3<-0 5:maxpool3x3<-0,1 out<-0,5"


def discrete_cell(cell: torch.nn.Module, g: Nb1Shot1Genotype, s0: torch.Tensor) -> torch.Tensor:
    """The NAS-Bench-101 cell encoded by g's (matrix, ops), by hand, with the cell's modules:
    a node sums its inputs (the input through its own 1×1 projection) and applies its op; the
    output concatenates the nodes that feed it (zeros for the others) plus the projected input."""
    matrix, ops = g.nb101()
    out = len(matrix) - 1
    states: dict[int, torch.Tensor] = {}
    for v in range(1, len(g.ops) + 1):
        if not any(matrix[a][v] for a in range(v)):
            continue
        x = sum(
            cell.projections[v - 1](s0) if a == 0 else states[a] for a in range(v) if matrix[a][v]
        )
        states[v] = cell.nodes[v - 1].ops[ops[v]](x)
    zeros = torch.zeros_like(cell.projections[0](s0))
    concat = torch.cat(
        [states[v] if matrix[v][out] else zeros for v in range(1, len(g.ops) + 1)], 1
    )
    return concat + (cell.projections[-1](s0) if matrix[0][out] else 0)


@pytest.mark.parametrize("space", [1, 2, 3])
def test_one_shot_cell_on_one_hot_weights_is_the_discrete_cell(space: int) -> None:
    torch.manual_seed(space)
    net = Nb1Shot1Network(3, 10, space=space, init_channels=4, layers=3).double().eval()
    cell, s0 = net.cells[1], torch.randn(2, 4 * net.steps, 6, 6, dtype=torch.float64)
    for _ in range(5):
        w = {k: torch.rand(s, dtype=torch.float64) for k, s in net.arch_shapes().items()}
        onehot = net.project(w, net.selectable())
        g = net.discretize(w)
        torch.testing.assert_close(cell(s0, onehot), discrete_cell(cell, g, s0), rtol=0, atol=0)


# --- the NAS-Bench-101 file ------------------------------------------------------------------


def encode_record(matrix: list[list[int]], ops: list[str], epochs: int, metrics: bytes) -> bytes:
    """One record in NAS-Bench-101's own layout: [hash, epochs, adjacency, ops, base64 metrics]."""
    from darts_lab.oracle.nb101_file import cell_hash, prune

    pruned = prune(matrix, ops)
    assert pruned is not None, "the cell's input does not reach its output"
    flat = "".join(str(e) for row in matrix for e in row)
    return json.dumps(
        [cell_hash(*pruned), epochs, flat, ",".join(ops), base64.b64encode(metrics).decode()]
    ).encode()


def write_nb101(path: Path, cells: list[tuple[list[list[int]], list[str], list[float]]]) -> Path:
    """A NAS-Bench-101 .tfrecord with the given cells (one record per repeat) at 108 epochs,
    plus one 36-epoch record the oracle must skip: the benchmark's own record layout and
    TFRecord framing (length, masked CRC-32C, data, masked CRC-32C)."""
    from tfrecord.writer import TFRecordWriter

    from darts_lab.oracle.nb101_file import ModelMetrics

    def metrics(test: float) -> bytes:
        m = ModelMetrics(trainable_parameters=1000, total_time=1.0)
        for epoch in (0, 54, 108):
            m.evaluation_data.add(
                current_epoch=epoch, test_accuracy=test * epoch / 108, validation_accuracy=test
            )
        return m.SerializeToString()

    records = [encode_record(m, o, 108, metrics(t)) for m, o, tests in cells for t in tests]
    records.append(encode_record(*cells[0][:2], 36, metrics(0.5)))
    with path.open("wb") as f:
        for data in records:
            length = struct.pack("<Q", len(data))
            f.write(length + TFRecordWriter.masked_crc(length) + data)
            f.write(TFRecordWriter.masked_crc(data))
    return path


CELL = (  # input → conv3x3 → maxpool → output, input → output
    [[0, 1, 0, 1], [0, 0, 1, 0], [0, 0, 0, 1], [0, 0, 0, 0]],
    ["input", "conv3x3-bn-relu", "maxpool3x3", "output"],
)


def test_file_lookup_is_isomorphism_invariant(tmp_path: Path) -> None:
    pytest.importorskip("tfrecord")
    from darts_lab.oracle.nb101_file import Nb101File, cell_hash

    path = write_nb101(tmp_path / "nb101.tfrecord", [(*CELL, [0.91, 0.93, 0.92])])
    table = Nb101File(path)
    assert table.lookup(*CELL) == pytest.approx({"test": 0.92, "valid": 0.92})
    # the same cell with an unused vertex and its nodes in another order
    matrix = [
        [0, 0, 1, 0, 1],
        [0, 0, 0, 0, 0],
        [0, 0, 0, 1, 0],
        [0, 0, 0, 0, 1],
        [0, 0, 0, 0, 0],
    ]
    ops = ["input", "conv1x1-bn-relu", "conv3x3-bn-relu", "maxpool3x3", "output"]
    assert table.lookup(matrix, ops) == pytest.approx({"test": 0.92, "valid": 0.92})
    swapped = ["input", "maxpool3x3", "conv3x3-bn-relu", "output"]
    assert cell_hash(CELL[0], swapped) != cell_hash(*CELL)
    assert table.lookup(CELL[0], swapped) is None
    with pytest.raises(ConfigError, match=r"no 12-epoch results \(its budgets: \[36, 108\]\)"):
        Nb101File(path, epochs=12)


def test_missing_reader_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from darts_lab.oracle.nb101 import Nb101Oracle

    (tmp_path / "f.tfrecord").write_bytes(b"")
    monkeypatch.setitem(sys.modules, "tfrecord.reader", None)  # as if not installed
    with pytest.raises(ConfigError, match=r"^oracle=nb101 .* pip install tfrecord$"):
        Nb101Oracle(tmp_path / "f.tfrecord")
    with pytest.raises(ConfigError, match="no such file"):
        Nb101Oracle(tmp_path / "missing.tfrecord")


def test_search_logs_nb101_accuracy_and_regret(tmp_path: Path) -> None:
    pytest.importorskip("tfrecord")
    from darts_lab.oracle.nb101_file import cell_hash, prune

    # every space-1 cell made of conv3x3 nodes is in the file (once per NB101 hash: isomorphic
    # cells share an entry), so whatever the search derives can be looked up
    cells = {}
    for g in architectures(1):
        if set(g.ops) == {NB101_OPS[0]}:
            matrix, ops = g.nb101()
            ops = ["conv3x3-bn-relu" if op == "maxpool3x3" else op for op in ops]
            cells.setdefault(cell_hash(*prune(matrix, ops)), (matrix, ops))
    accuracy = {h: 0.80 + 0.001 * i for i, h in enumerate(cells)}
    path = write_nb101(
        tmp_path / "nb101.tfrecord", [(m, o, [accuracy[h]]) for h, (m, o) in cells.items()]
    )
    cfg = make_cfg(
        "search_space=nb1shot1",
        "search_space.ops=[conv3x3-bn-relu]",
        "oracle=nb101",
        f"oracle.data_file={path}",
        "logger=csv",
        "trainer.max_epochs=2",
        "figures=true",
        *SMALL,
    )
    genotype = run_search(cfg, tmp_path / "run")
    report = json.loads((tmp_path / "run" / "oracle.json").read_text())
    expected = accuracy[cell_hash(*prune(*genotype.nb101()))]
    assert report["test_acc"] == pytest.approx(expected)
    assert report["best_in_space"] == pytest.approx(max(accuracy.values()))
    assert report["regret"] == pytest.approx(max(accuracy.values()) - expected)
    assert len(report["per_epoch"]) == 2
    assert (tmp_path / "run" / "oracle.png").stat().st_size > 0
    metrics = next((tmp_path / "run").rglob("metrics.csv")).read_text().splitlines()
    assert "oracle/regret" in metrics[0].split(",")


@pytest.mark.parametrize("space", [2, 3])
def test_gaea_pcdarts_preset_searches_every_space(space: int, tmp_path: Path) -> None:
    cfg = make_cfg(
        "+experiment=gaea_pcdarts_nb1shot1",
        "dataset=digits",
        f"search_space.space={space}",
        "figures=true",
        *SMALL,
    )
    genotype = run_search(cfg, tmp_path)
    assert isinstance(genotype, Nb1Shot1Genotype) and genotype.space == space
    assert tuple(map(len, genotype.parents)) == PARENTS[space]
    saved = json.loads((tmp_path / "genotype.json").read_text())
    assert saved["nb101"]["matrix"] == genotype.nb101()[0]
    assert (tmp_path / "cell_cell.png").stat().st_size > 0
