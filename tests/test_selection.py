"""The selection step (conf/selection/): magnitude (Π_S) against perturbation (DARTS-PT) on a
supernet built by hand so that they disagree, the edge order drawn from the seed, an exact
resume in the middle of the selection's epochs, the supernet phase untouched by it, and the
refusal of a space it cannot read."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from hydra.utils import get_class

from darts_lab.arch.activation import Softmax
from darts_lab.arch.architecture import Architecture
from darts_lab.combination import option
from darts_lab.config import ConfigError
from darts_lab.search import run_search
from darts_lab.search_space.base import GenotypeBase, SearchSpace
from darts_lab.search_space.darts_cnn import SearchNetwork
from darts_lab.search_space.nb201 import Nb201Network
from darts_lab.selection.base import Score, SelectionContext
from darts_lab.selection.plan import InputChoice
from darts_lab.selection.pt import Pt
from tests.conftest import make_cfg
from tests.test_reliability import StopAt, stopping


@dataclass(frozen=True)
class Pick(GenotypeBase):
    """The op the one edge of `OneEdge` keeps."""

    json_key = "test_selection_pick"
    op: str

    def to_json(self) -> dict:
        return {self.json_key: self.op}

    @classmethod
    def from_json(cls, data: dict) -> Pick:
        return cls(data[cls.json_key])

    def cells(self) -> dict:
        return {}


class OneEdge(SearchSpace):
    """One edge, two ops: `decoy` outputs zeros (its weight buys nothing), `signal` passes the
    input through; the logits are the mixture, so the class is right whatever weight `signal`
    has, as long as it has one."""

    cell_types = ("cell",)
    genotype_type = Pick

    def __init__(self) -> None:
        super().__init__()
        self.ops = ["decoy", "signal"]

    def arch_shapes(self) -> dict[str, tuple[int, int]]:
        return {"cell": (1, 2)}

    def project(self, weights, selectable):  # noqa: ANN001, ANN201
        w = weights["cell"].masked_fill(~selectable["cell"], float("-inf"))
        return {"cell": F.one_hot(w.argmax(-1), 2).to(weights["cell"])}

    def discretize(self, weights, selectable=None) -> Pick:  # noqa: ANN001
        onehot = self.project(weights, selectable or self.selectable())["cell"]
        return Pick(self.ops[int(onehot[0].argmax())])

    def edges(self) -> list[tuple[int, int]]:
        return [(0, 1)]

    def set_alive(self, alive) -> None:  # noqa: ANN001
        pass

    def forward(self, x, weights, choices=None) -> torch.Tensor:  # noqa: ANN001
        w = weights["cell"][0]
        return w[0] * torch.zeros_like(x) + w[1] * x


@pytest.mark.parametrize("criterion", ["accuracy", "loss"])
def test_magnitude_keeps_the_largest_alpha_perturbation_the_op_that_matters(
    criterion: str,
) -> None:
    """α favours `decoy` (0.88 of the weight): Π_S keeps it. Taking it away costs nothing (same
    accuracy, lower loss); taking `signal` away leaves chance: perturbation keeps `signal`."""
    net = OneEdge()
    arch = Architecture({"cell": (1, 2)}, Softmax(), 0.0, net.selectable(), net.project)
    with torch.no_grad():
        arch.alphas["cell"].copy_(torch.tensor([[2.0, 0.0]]))
    x = torch.randn(64, 2, generator=torch.Generator().manual_seed(0))
    y = x.argmax(dim=1)

    def score(limit: int | None) -> Score:
        logits = net(x, arch.weights())  # the pins (and a trial's) apply in every forward
        accuracy = float((logits.argmax(dim=1) == y).float().mean())
        return Score(accuracy, float(F.cross_entropy(logits, y)))

    w = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([w], lr=0.025, momentum=0.9)
    selection = Pt(criterion=criterion, proj_intv=0)
    selection.bind(net, arch)
    ctx = SelectionContext(score, lambda: net.discretize(arch.pinned(arch.weights())), optimizer)
    assert selection.epochs() == 1
    selection.epoch_start(ctx, -1)  # the supernet's last epoch: nothing happens
    assert int(selection.decided) == 0 and ctx.genotype() == Pick("decoy")
    selection.epoch_start(ctx, 0)
    files = selection.files()
    assert files["genotype_magnitude.json"] == {"test_selection_pick": "decoy"}  # Π_S
    assert ctx.genotype() == Pick("signal")  # perturbation
    (decision,) = files["selection.json"]["decisions"]
    assert decision["kept"] == ["signal"]
    without = decision["scores"]
    assert without["decoy"]["accuracy"] == 1.0 and without["signal"]["accuracy"] < 0.6
    assert without["signal"]["loss"] == pytest.approx(math.log(2))
    assert torch.equal(arch.alphas["cell"], torch.tensor([[2.0, 0.0]]))  # α itself untouched
    assert torch.equal(net(x, arch.weights()), x)  # the edge mixes with signal's one-hot
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.0025)  # their lr / 10


def test_the_darts_second_pass_keeps_the_inputs_whose_removal_costs_most() -> None:
    """DARTS CNN, 3 nodes: once every edge has its op, each node with more than 2 inputs keeps
    the 2 whose removal costs most. The stand-in score charges each dropped edge its price:
    the dearest 2 stay, the others mix with zeros, and Π_S of the pins keeps exactly them."""
    net = SearchNetwork(3, 10, init_channels=4, layers=3, steps=3, multiplier=3)
    arch = Architecture(
        net.arch_shapes(), Softmax(), 1e-3, net.selectable(), net.project, net.cell_types
    )
    selection = Pt(proj_intv=0, edge_order="in_order")
    selection.bind(net, arch)
    price = [3 * e % 7 + 1 for e in range(9)]  # node 3: edges 2, 3, 4; node 4: edges 5 to 8

    def score(limit: int | None) -> Score:
        w = arch.pinned(arch.weights())  # a trial's holds included
        cost = sum(price[e] for cell in w for e in range(9) if not w[cell][e].any())
        return Score(1.0 - 0.01 * cost, float(cost))

    genotype = lambda: net.discretize(arch.pinned(arch.weights()))  # noqa: E731
    selection.epoch_start(SelectionContext(score, genotype, torch.optim.SGD(net.parameters())), 0)
    inputs = [d for d in selection.history if "inputs" in d]
    node3, node4 = ["0->3", "2->3"], ["1->4", "3->4"]  # normal and reduction at each event
    assert [d["kept"] for d in inputs] == [node3, node3, node4, node4]
    for cell in (genotype().normal, genotype().reduce):
        assert [sorted(source for _, source in node) for node in cell] == [[0, 1], [0, 2], [1, 3]]
    assert all(arch.pin().held(cell).all() for cell in net.cell_types)


def order(selection: Pt) -> list:
    return [
        (d.node.cell, d.node.slots) if isinstance(d, InputChoice) else (d.cell, d.row)
        for event in selection.plan
        for d in event
    ]


def bound(net: SearchSpace, **options) -> Pt:  # noqa: ANN003
    arch = Architecture(net.arch_shapes(), Softmax(), 1e-3, net.selectable(), net.project)
    selection, state = Pt(**options), torch.get_rng_state()
    selection.bind(net, arch)
    assert torch.equal(torch.get_rng_state(), state)  # its own generator: the search's untouched
    return selection


def test_the_edge_order_is_drawn_from_the_seed() -> None:
    """The same seed, the same order (and the search's generators untouched); another seed,
    another order. DARTS: per cell type 14 edges, then 3 nodes' inputs; both cell types at once."""
    darts = SearchNetwork(3, 10, init_channels=4, layers=3)
    first = order(bound(darts, seed=3))
    assert first == order(bound(darts, seed=3)) != order(bound(darts, seed=4))
    assert len(bound(darts, seed=3).plan) == 17 and bound(darts, seed=3, proj_intv=5).epochs() == 81
    cells = [cell for cell, _ in first]
    assert cells[:28] == ["normal", "reduce"] * 14 and len(first) == 34
    assert sorted(row for cell, row in first[:28:2]) == list(range(14))
    nb201 = Nb201Network(3, 10, init_channels=4, cells_per_stage=1)
    assert order(bound(nb201, edge_order="in_order")) == [("cell", e) for e in range(6)]
    assert bound(nb201, proj_intv=0.25).epochs() == 2  # make regret-pt: 4 edges, then 2


# the embedded overlay (float64: exact), 1 supernet epoch + 3 of selection (2 events each)
OVERLAY = [
    "+overlay=embedded",
    "seed=3",
    "trainer.max_epochs=1",
    "trainer.limit_train_batches=2",
    "trainer.limit_val_batches=1",
    "logger=none",
    "figures=false",
    "trainer.enable_progress_bar=false",
]
PT = ["selection=pt", "selection.proj_intv=0.5"]


def arch_state(run_dir: Path) -> dict[str, torch.Tensor]:
    state = torch.load(run_dir / "checkpoints" / "last.ckpt", weights_only=True)["state_dict"]
    return {k: v for k, v in state.items() if k.startswith(("arch.", "selection."))}


def same(a: object, b: object) -> bool:
    return torch.equal(a, b) if isinstance(a, torch.Tensor) else a == b


def outcome(run_dir: Path) -> tuple:
    return tuple(
        json.loads((run_dir / name).read_text())
        for name in ("genotype.json", "genotype_magnitude.json", "selection.json")
    )


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run_dir = tmp_path_factory.mktemp("selection") / "full"
    run_search(make_cfg(*OVERLAY, *PT, tiny=False), run_dir)
    return run_dir


def test_a_kill_in_the_selection_resumes_exactly(uninterrupted: Path, tmp_path: Path) -> None:
    """Killed in the second selection epoch (its 2 decisions taken at its start): resumed from
    the mid-epoch checkpoint (the decisions are not taken again) and from the epoch before's
    (they are), α, the pins, the decisions and both cells equal the uninterrupted run's."""
    with stopping(StopAt(epoch=2, batch=0)), pytest.raises(SystemExit):
        run_search(make_cfg(*OVERLAY, *PT, tiny=False), tmp_path / "half")
    ckpt = torch.load(tmp_path / "half" / "checkpoints" / "on_exception.ckpt", weights_only=True)
    assert int(ckpt["state_dict"]["selection.decided"]) == 4  # events 2, 3 at epoch 2's start
    full = arch_state(uninterrupted)
    for name in ("on_exception.ckpt", "last.ckpt"):
        resume = tmp_path / "half" / "checkpoints" / name
        run_search(make_cfg(*OVERLAY, *PT, f"resume={resume}", tiny=False), tmp_path / name)
        state = arch_state(tmp_path / name)
        assert state.keys() == full.keys() and "arch.pins.held_cell" in state
        assert all(same(state[k], full[k]) for k in full), name
        assert outcome(tmp_path / name) == outcome(uninterrupted), name


def test_the_supernet_phase_is_the_magnitude_search(uninterrupted: Path, tmp_path: Path) -> None:
    """The selection's epochs come after the supernet's own: its learning-rate schedule, SDARTS
    ε, α's pacing are those of trainer.max_epochs, so Π_S when they end (genotype_magnitude.json)
    is the plain search's cell, and its α the plain search's α."""
    run_search(make_cfg(*OVERLAY, tiny=False), tmp_path)
    _, magnitude, selection = outcome(uninterrupted)
    assert magnitude == json.loads((tmp_path / "genotype.json").read_text())
    assert [d["event"] for d in selection["decisions"]] == list(range(6))
    plain = json.loads((tmp_path / "alphas.json").read_text())["weights"]
    history = torch.load(uninterrupted / "checkpoints" / "last.ckpt", weights_only=True)
    supernet = history["alpha_history"][0]  # α's op weights after epoch 0, the supernet's last
    assert torch.equal(supernet["cell"], torch.tensor(plain["cell"], dtype=torch.float64))
    # the oracle reports on both cells: the plain search's under "magnitude", exactly
    twin = json.loads((uninterrupted / "oracle.json").read_text())["magnitude"]
    alone = json.loads((tmp_path / "oracle.json").read_text())
    assert (twin["arch"], twin["regret"]) == (alone["arch"], alone["regret"])
    assert "magnitude" not in alone  # magnitude's final cell is Π_S's: nothing to pair


def test_a_space_it_cannot_read_is_refused_in_one_line(tmp_path: Path) -> None:
    """Predicted from the declarations: pt works on the spaces whose inputs it lists."""
    cfg = make_cfg(
        "search_space=darts_rnn", "dataset=tiny_corpus", "task=language_model", "selection=pt"
    )
    space = get_class(cfg.search_space._target_)
    assert space.inputs not in Pt.space_inputs
    with pytest.raises(ConfigError) as err:
        run_search(cfg, tmp_path)
    message = str(err.value)
    assert "\n" not in message
    assert option(cfg, "selection") in message and option(cfg, "search_space") in message
    assert not (tmp_path / "status").exists()
