import torch

from darts_lab.search_space.darts_cnn import SearchNetwork
from darts_lab.search_space.genotype import (
    Genotype,
    cell_genes,
    edge_endpoints,
    project_indices,
    project_onehot,
)
from darts_lab.search_space.ops import PRIMITIVES

OPS = list(PRIMITIVES)
SEL = torch.tensor([op != "none" for op in OPS]).expand(14, -1)


def op(name: str) -> int:
    return OPS.index(name)


def crafted() -> torch.Tensor:
    """Hand-made α (already activated) for a 4-node cell, each row an edge."""
    w = torch.full((14, 8), 0.01)
    # node 2 (edges 0: 0→2, 1: 1→2): "none" dominates edge 0 but must be ignored.
    w[0, op("none")] = 0.9
    w[0, op("sep_conv_3x3")] = 0.2
    w[1, op("max_pool_3x3")] = 0.3
    # node 3 (edges 2,3,4 from 0,1,2): edge 2 holds the two largest weights of the node; the
    # node must still take two distinct sources: edge 2 (sep_conv_5x5) and edge 4 (skip).
    w[2, op("sep_conv_5x5")] = 0.8
    w[2, op("dil_conv_3x3")] = 0.7
    w[3, op("avg_pool_3x3")] = 0.1
    w[4, op("skip_connect")] = 0.5
    # node 4 (edges 5..8 from 0..3): a three-way tie at 0.4 → lowest sources 0 and 1 win; on
    # edge 5 two ops tie → the lower op index (max_pool_3x3 < dil_conv_5x5) wins.
    w[5, op("dil_conv_5x5")] = 0.4
    w[5, op("max_pool_3x3")] = 0.4
    w[6, op("sep_conv_3x3")] = 0.4
    w[7, op("sep_conv_3x3")] = 0.4
    # node 5 (edges 9..13 from 0..4): strongest are from nodes 4 and 3.
    w[13, op("dil_conv_5x5")] = 0.6
    w[12, op("avg_pool_3x3")] = 0.55
    w[9, op("none")] = 0.99
    return w


def test_edge_endpoints() -> None:
    assert edge_endpoints(4)[:5] == [(0, 2), (1, 2), (0, 3), (1, 3), (2, 3)]
    assert edge_endpoints(4)[-1] == (4, 5) and len(edge_endpoints(4)) == 14


def test_projection_by_hand() -> None:
    genes = cell_genes(crafted(), OPS, 4, SEL)
    assert genes == [
        [("max_pool_3x3", 1), ("sep_conv_3x3", 0)],
        [("sep_conv_5x5", 0), ("skip_connect", 2)],
        [("max_pool_3x3", 0), ("sep_conv_3x3", 1)],
        [("dil_conv_5x5", 4), ("avg_pool_3x3", 3)],
    ]
    for node in genes:  # distinct sources, never "none"
        assert len({src for _, src in node}) == 2
        assert all(name != "none" for name, _ in node)


def test_projection_onehot_is_in_S() -> None:
    onehot = project_onehot(crafted(), 4, SEL)
    assert onehot.sum() == 8  # two ops per node
    assert (onehot.sum(1) <= 1).all()  # at most one op per edge (S¹)
    assert onehot[:, op("none")].sum() == 0
    assert onehot[2, op("sep_conv_5x5")] == 1 and onehot[4, op("skip_connect")] == 1


def test_projection_respects_unselectable_ops() -> None:
    sel = SEL.clone()
    sel[2, op("sep_conv_5x5")] = False  # e.g. pruned: the edge falls back to its next best op
    assert project_indices(crafted(), 4, sel)[1][0] == (2, op("dil_conv_3x3"))


def test_ties_are_deterministic_under_uniform_alpha() -> None:
    genes = cell_genes(torch.full((14, 8), 0.125), OPS, 4, SEL)
    assert genes == [[("max_pool_3x3", 0), ("max_pool_3x3", 1)]] * 4


def test_network_discretize_and_json_roundtrip() -> None:
    net = SearchNetwork(1, 10, init_channels=2, layers=3)
    g = net.discretize({"normal": crafted(), "reduce": torch.full((14, 8), 0.125)})
    assert g.normal_concat == [2, 3, 4, 5]
    assert Genotype.from_json(g.to_json()) == g
    assert str(g).startswith("Genotype(normal=[('max_pool_3x3', 1), ('sep_conv_3x3', 0),")


def test_device_side_projection_equals_the_index_rule() -> None:
    """project_onehot (vectorised, no host transfer) chooses what project_indices does, ties
    and unselectable ops included."""
    from darts_lab.search_space.genotype import project_indices, project_onehot

    g = torch.Generator().manual_seed(0)
    for trial in range(200):
        # few distinct values: many ties between edges and between ops
        weights = torch.randint(0, 4, (14, 8), generator=g).float() / 4
        selectable = torch.rand(14, 8, generator=g) > (0.1 if trial % 2 else 0.6)
        selectable[:, 0] = False  # "none"
        expected = torch.zeros_like(weights)
        for node in project_indices(weights, 4, selectable):
            for edge, op in node:
                expected[edge, op] = 1.0
        assert torch.equal(project_onehot(weights, 4, selectable), expected), trial


def test_proximity_makes_no_host_transfer(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    """DARTS-PRIME's proximity term runs Π_S every α-step: nothing of it may go to the host
    (a sync per step on a GPU). Spied: Tensor.to another device, .cpu, .item, .tolist."""
    from darts_lab.regularizer.proximity import Proximity
    from darts_lab.search import build
    from tests.conftest import make_cfg

    module, _, _, _, _ = build(make_cfg("search_space=darts_cnn"), tmp_path)
    calls: list[str] = []
    real_to = torch.Tensor.to

    def to(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        target = [a for a in (*args, kwargs.get("device")) if isinstance(a, (str, torch.device))]
        if any(torch.device(t) != self.device for t in target):  # a transfer between devices
            calls.append(f"to({target})")
        return real_to(self, *args, **kwargs)

    monkeypatch.setattr(torch.Tensor, "to", to)
    for name in ("cpu", "item", "tolist"):
        real = getattr(torch.Tensor, name)
        monkeypatch.setattr(
            torch.Tensor,
            name,
            lambda self, *a, _n=name, _r=real, **k: calls.append(_n) or _r(self, *a, **k),
        )
    term = Proximity(rho=0.1).penalty(module.arch, progress=0.5)
    assert term.requires_grad and calls == []
