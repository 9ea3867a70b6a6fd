"""R-DARTS's search spaces S1-S4 (Zela et al. 2020, automl/RobustDARTS src/spaces.py): per-edge op
lists (S1), the noise op (S4), their supernets against the parameter counts of their committed
search logs, Π_S and the retraining network on S1, and a step of a search on each space."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from hydra.utils import instantiate

from darts_lab.callbacks.param_free_ops import ParamFreeOps
from darts_lab.config import ConfigError
from darts_lab.eval.network import EvalNetwork
from darts_lab.lit.reliability import restore_rng, rng_state
from darts_lab.search import run_search
from darts_lab.search_space.darts_cnn import SearchNetwork
from darts_lab.search_space.genotype import Genotype
from darts_lab.search_space.ops import OPS, Noise
from tests.conftest import make_cfg

SPACES = ("rdarts_s1", "rdarts_s2", "rdarts_s3", "rdarts_s4")
TWO_STEPS = [
    "dataset.batch_size=16",
    "trainer.limit_train_batches=2",
    "trainer.limit_val_batches=1",
]


def supernet(space: str, tiny: bool = True, classes: int = 10) -> SearchNetwork:
    """Their cell (4 nodes, 14 edges), at the tiny sizes otherwise."""
    nodes = ["search_space.steps=4", "search_space.multiplier=4"]
    cfg = make_cfg(f"search_space={space}", *nodes, tiny=tiny)
    return instantiate(cfg.search_space, in_channels=3, num_classes=classes)


def uniform(net: SearchNetwork, column: int) -> dict[str, torch.Tensor]:
    """Op weights preferring one α column on every edge, all edges equally strong."""
    weights = {}
    for key, (rows, width) in net.arch_shapes().items():
        weights[key] = torch.full((rows, width), 0.1)
        weights[key][:, column] = 0.9
    return weights


@pytest.mark.parametrize(
    ("space", "width", "selectable"),
    [("rdarts_s1", 2, [1, 1]), ("rdarts_s2", 2, [1, 1]), ("rdarts_s3", 3, [0, 1, 1]),
     ("rdarts_s4", 2, [1, 1])],
)  # fmt: skip
def test_alpha_shapes_and_what_pi_s_may_choose(space: str, width: int, selectable: list) -> None:
    net = supernet(space)
    assert net.arch_shapes() == {"normal": (14, width), "reduce": (14, width)}
    for mask in net.selectable().values():
        assert mask.tolist() == [[bool(s) for s in selectable]] * 14  # never "none"


# their logs' "param size" (count_parameters_in_MB, 8 cells, 16 channels): search_logs/s1/cifar10
# and s3/svhn, the others search_logs_RandomNAS/<space>/<dataset>/*/log_4.txt
@pytest.mark.parametrize(
    ("space", "classes", "params"),
    [("rdarts_s1", 10, 405_146), ("rdarts_s1", 100, 428_276), ("rdarts_s2", 10, 665_466),
     ("rdarts_s3", 10, 665_466), ("rdarts_s4", 10, 624_506), ("rdarts_s4", 100, 647_636)],
)  # fmt: skip
def test_the_supernet_has_their_parameter_count(space: str, classes: int, params: int) -> None:
    net = supernet(space, tiny=False, classes=classes)
    assert sum(p.numel() for p in net.parameters()) == params


def test_pi_s_reads_each_edges_own_ops() -> None:
    net = supernet("rdarts_s1")
    weights = uniform(net, column=1)  # ties: the lower source wins, so edges 0,1 | 2,3 | 5,6 | 9,10
    genotype = net.discretize(weights)
    assert genotype.normal == [
        [("dil_conv_3x3", 0), ("dil_conv_5x5", 1)], [("dil_conv_5x5", 0), ("sep_conv_3x3", 1)],
        [("skip_connect", 0), ("sep_conv_3x3", 1)], [("sep_conv_3x3", 0), ("skip_connect", 1)],
    ]  # fmt: skip
    assert genotype.reduce == [
        [("avg_pool_3x3", 0), ("dil_conv_3x3", 1)], [("avg_pool_3x3", 0), ("avg_pool_3x3", 1)],
        [("avg_pool_3x3", 0), ("sep_conv_3x3", 1)], [("avg_pool_3x3", 0), ("avg_pool_3x3", 1)],
    ]  # fmt: skip
    onehot = net.project(weights, net.selectable())["normal"]
    assert onehot[:, 1].nonzero().flatten().tolist() == [0, 1, 2, 3, 5, 6, 9, 10]
    assert onehot[:, 0].sum() == 0
    counts = ParamFreeOps.count(  # parameter-free by each edge's own names: skip, pools
        SimpleNamespace(
            arch=SimpleNamespace(projection=lambda: net.project(weights, net.selectable()),
                                 op_keys=net.cell_types),
            net=net,
        )
    )  # fmt: skip
    assert counts == {"normal": 2, "reduce": 6}


def test_noise_is_counted_parameter_free() -> None:
    net = supernet("rdarts_s4")
    weights = uniform(net, column=0)  # noise everywhere
    module = SimpleNamespace(
        arch=SimpleNamespace(
            projection=lambda: net.project(weights, net.selectable()), op_keys=net.cell_types
        ),
        net=net,
    )
    assert ParamFreeOps.count(module) == {"normal": 8, "reduce": 8}
    assert str(net.discretize(weights)).count("'noise'") == 16


@pytest.mark.parametrize(("stride", "size", "out"), [(1, 7, 7), (2, 7, 4), (2, 8, 4)])
def test_the_noise_op(stride: int, size: int, out: int) -> None:
    op = OPS["noise"](5, stride, True)
    assert isinstance(op, Noise) and not list(op.parameters())
    x = torch.zeros(3, 5, size, size)
    saved = rng_state()
    first = op(x)
    assert first.shape == (3, 5, out, out) and first.std() > 0.5  # N(0, 1), whatever x holds
    restore_rng(saved)  # what a checkpoint restores: the same noise again
    assert torch.equal(op(x.to(memory_format=torch.channels_last)), first)
    assert not torch.equal(op(x), first)  # the generator moved on


# the S1 CIFAR-10 genotype of experiments/search_logs/results_arch.yaml, s1_cifar10 0.0_0.0003
# seed 1 (its search's validation error in results_perf.yaml: 12.464 %)
S1_SEED1 = Genotype(
    [[("skip_connect", 1), ("dil_conv_3x3", 0)], [("skip_connect", 2), ("skip_connect", 0)],
     [("skip_connect", 0), ("skip_connect", 2)], [("skip_connect", 2), ("skip_connect", 1)]],
    [2, 3, 4, 5],
    [[("max_pool_3x3", 1), ("max_pool_3x3", 0)], [("skip_connect", 2), ("max_pool_3x3", 1)],
     [("skip_connect", 2), ("max_pool_3x3", 0)], [("max_pool_3x3", 0), ("max_pool_3x3", 1)]],
    [2, 3, 4, 5],
)  # fmt: skip


def relu_conv_bn(c_in: int, c_out: int) -> int:
    return c_in * c_out + 2 * c_out


def test_their_s1_genotype_retrains_at_the_hand_counted_size() -> None:
    """Their retraining network (evaluation/args.py: 8 cells, 16 channels, CIFAR-10), counted by
    hand: the one dil_conv_3x3 per normal cell is C·9 + C·C + 2C, every skip in these cells takes
    a node's output (identity) and pools have no weights; reduction cells sit at 2 and 5."""
    stem = 3 * 48 * 9 + 2 * 48
    preprocess = [  # (preprocess0, preprocess1) per cell; FactorizedReduce after a reduction
        (relu_conv_bn(48, 16), relu_conv_bn(48, 16)), (relu_conv_bn(48, 16), relu_conv_bn(64, 16)),
        (relu_conv_bn(64, 32), relu_conv_bn(64, 32)), (relu_conv_bn(64, 32), relu_conv_bn(128, 32)),
        (relu_conv_bn(128, 32), relu_conv_bn(128, 32)),
        (relu_conv_bn(128, 64), relu_conv_bn(128, 64)),
        (relu_conv_bn(128, 64), relu_conv_bn(256, 64)),
        (relu_conv_bn(256, 64), relu_conv_bn(256, 64)),
    ]  # fmt: skip
    dil_conv = sum(2 * (c * 9 + c * c + 2 * c) for c in (16, 32, 64))  # two normal cells per stage
    classifier = 256 * 10 + 10
    hand = stem + sum(a + b for a, b in preprocess) + dil_conv + classifier
    assert hand == 113_946
    net = EvalNetwork(S1_SEED1, 3, 10, init_channels=16, layers=8, auxiliary=True)
    assert round(net.num_params_m() * 1e6) == hand  # the auxiliary head is not counted


def test_an_s4_genotype_retrains_with_noise() -> None:
    noisy = Genotype([[("noise", 0), ("sep_conv_3x3", 1)]] * 4, [2, 3, 4, 5],
                     [[("noise", 0), ("noise", 1)]] * 4, [2, 3, 4, 5])  # fmt: skip
    assert noisy.problems() == []
    net = EvalNetwork(noisy, 3, 10, init_channels=4, layers=3, auxiliary=False)
    logits, _ = net(torch.randn(2, 3, 16, 16))
    assert logits.shape == (2, 10)


@pytest.mark.parametrize(
    ("space", "options"),
    [("rdarts_s1", ["method=gdas", "callbacks=[param_free_ops]", "logger=csv"]),
     ("rdarts_s2", ["arch_gradient=second_order"]),
     ("rdarts_s3", ["method=drop_path", "dataset.search_cutout=0.5", "callbacks=[param_free_ops]"]),
     ("rdarts_s4", ["method=drnas", "callbacks=[param_free_ops,hessian]",
                    "callbacks.hessian.mode=power", "callbacks.hessian.tol=0.5"])],
)  # fmt: skip
def test_a_search_on_each_space(space: str, options: list[str], tmp_path: Path) -> None:
    run_search(make_cfg(f"search_space={space}", *options, *TWO_STEPS), tmp_path)
    genotype = json.loads((tmp_path / "genotype.json").read_text())
    allowed = set(make_cfg(f"search_space={space}").search_space.ops) - {"none"}
    assert {op for cell in ("normal", "reduce") for node in genotype[cell] for op, _ in node} <= (
        allowed
    )
    if any("param_free_ops" in o for o in options):
        counts = json.loads((tmp_path / "collapse.json").read_text())["param_free_ops"]
        assert set(counts) == {"normal", "reduce"} and all(0 <= n <= 8 for n in counts.values())
    alphas = json.loads((tmp_path / "alphas.json").read_text())
    if space == "rdarts_s1":  # each edge's own ops, by name, beside the column labels
        edge_ops = make_cfg(f"search_space={space}").search_space.edge_ops
        assert alphas["edge_ops"] == {
            cell: [list(r) for r in rows] for cell, rows in edge_ops.items()
        }
        header = next(tmp_path.rglob("metrics.csv")).read_text().splitlines()[0]
        assert f"alpha/normal/0-2/{edge_ops['normal'][0][1]}" in header  # under its real name
    else:
        assert "edge_ops" not in alphas
    if space == "rdarts_s4":  # the Hessian diagnostic through the noise op (its RNG forked)
        (value,) = json.loads((tmp_path / "hessian.json").read_text())["eigenvalues"]
        assert math.isfinite(value)


@pytest.mark.parametrize("space", ["rdarts_s1", "rdarts_s4"])
def test_darts_minus_is_refused_in_one_line(space: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="skip_connect") as err:
        run_search(make_cfg(f"search_space={space}", "method=darts_minus"), tmp_path)
    assert "\n" not in str(err.value) and "on every edge" in str(err.value)


@pytest.mark.parametrize(
    ("override", "message"),
    [("search_space.ops=[skip_connect,sep_conv_3x3,dil_conv_3x3]", "same number of ops"),
     ("search_space.edge_ops.normal=[[skip_connect,dil_conv_3x3]]", "lists 1 edges; the cell has"),
     ("search_space.edge_ops.reduce.0=[max_pool_3x3,conv_9x9]", "unknown op 'conv_9x9' in "
      "search_space.edge_ops.reduce"),
     ("~search_space.edge_ops.reduce", "names the cell types")],
)  # fmt: skip
def test_a_bad_op_table_is_one_line(override: str, message: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)) as err:
        run_search(make_cfg("search_space=rdarts_s1", override), tmp_path)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("row", ["darts_2nd", "rdarts_l2", "rdarts_dp", "darts_es", "sdarts_rs",
                                 "drnas", "pcdarts"])  # fmt: skip
def test_every_darts_cell_row_takes_their_space_by_one_override(row: str) -> None:
    cfg = make_cfg(f"+experiment={row}", "search_space=rdarts_s3", "dataset=svhn", tiny=False)
    assert list(cfg.search_space.ops) == ["none", "skip_connect", "sep_conv_3x3"]
    assert (cfg.search_space.layers, cfg.search_space.init_channels) == (8, 16)
    assert cfg.dataset._target_ == "darts_lab.data.svhn.SVHNDataModule"
