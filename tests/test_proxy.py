"""Zero-cost proxies (conf/proxy/ ↔ darts_lab/proxy/): each against a value worked out by hand
on a network small enough to do so, the options read from conf/, the embedded benchmark's
network as the table's runs start from it, and `python -m darts_lab.embedded proxies` on a
table of a few cells (resumed, bad options)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch
from torch import nn

from darts_lab.config import ConfigError
from darts_lab.embedded import proxies as embedded_proxies
from darts_lab.embedded.cli import main
from darts_lab.embedded.protocol import Protocol
from darts_lab.proxy.base import CONF, Proxy
from darts_lab.search_space.nb201 import Nb201Genotype, Nb201Network
from tests.test_analognas import write_anb

NAMES = {"params", "flops", "synflow", "snip", "grad_norm", "grasp", "fisher", "jacob_cov"}
NAMES |= {"nwot", "zico"}
A = 1 / (1 + math.exp(-1))  # softmax of logits (1, 0): (A, B)
B = 1 - A


def score(name: str, net: nn.Module, images: list, labels: list | None = None) -> float:
    x = torch.tensor(images, dtype=torch.float32)
    y = torch.tensor(labels if labels is not None else [0] * len(images))
    return Proxy.load(name).score(net, x, y)


def linear(rows: list[list[float]]) -> nn.Linear:
    layer = nn.Linear(len(rows[0]), len(rows), bias=False)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(rows))
    return layer


def test_the_options_are_conf_proxy() -> None:
    assert set(Proxy.available()) == NAMES == {p.stem for p in CONF.glob("*.yaml")}
    assert all(cls.name == name for name, cls in Proxy.available().items())
    with pytest.raises(ConfigError, match=r"^--proxies=nope: no such proxy; the options: fisher"):
        Proxy.load("nope", option="--proxies")


def test_synflow_of_a_two_layer_linear_net() -> None:
    # |W1| 1 = (3, 7), R = |W2| (3, 7) = 17; each layer's Σ|θ ⊙ ∂R/∂θ| is R: 34. BatchNorm is
    # off (identity) and the ReLU passes the positive flow: the data are not used.
    net = nn.Sequential(linear([[1, -2], [3, 4]]), nn.BatchNorm1d(2), nn.ReLU(), linear([[-1, 2]]))
    assert score("synflow", net, [[5.0, -9.0], [0.0, 1.0]]) == 34.0


def test_snip_grad_norm_fisher_of_one_linear_layer() -> None:
    # x = (1, 2), W = [[1, 0], [0, 0]]: logits (1, 0), label 1, ∂L/∂z = (A, −A), ∂L/∂W = ∂L/∂z xᵀ
    net, x = linear([[1, 0], [0, 0]]), [[1.0, 2.0]]
    assert score("snip", net, x, [1]) == pytest.approx(A, rel=1e-6)  # |1 · A|
    assert score("grad_norm", net, x, [1]) == pytest.approx(A * math.sqrt(10), rel=1e-6)
    # channel saliencies ½(z·∂L/∂z)² = (½A², 0), each counted fan-in (2) times
    assert score("fisher", net, x, [1]) == pytest.approx(A**2, rel=1e-6)


def test_grasp_of_one_linear_layer() -> None:
    # θ = (1, 0), x = 1, label 0: g = (−B, B), H = AB [[1, −1], [−1, 1]], Hg = AB (−2B, 2B)
    assert score("grasp", linear([[1], [0]]), [[1.0]], [0]) == pytest.approx(2 * A * B**2)


def test_zico_of_one_linear_layer_over_two_half_batches() -> None:
    # halves x = 1 and x = 2 (label 0): ∂L/∂θ = (−B, B) and 2 (−B2, B2); per weight
    # mean|g| / std(g) = (B + 2 B2) / |B − 2 B2|, two weights, one layer: log of the sum
    b2 = 1 / (1 + math.exp(2))
    expected = math.log(2 * (B + 2 * b2) / abs(B - 2 * b2))
    assert score("zico", linear([[1], [0]]), [[1.0], [2.0]]) == pytest.approx(expected)


def test_nwot_log_determinant_of_two_codes() -> None:
    # codes (1, 0, 1) and (1, 1, 0): 3 units, Hamming distance 2, K = [[3, 1], [1, 3]], det 8
    net = nn.Sequential(nn.ReLU())
    assert score("nwot", net, [[1.0, -1.0, 2.0], [1.0, 1.0, -1.0]]) == pytest.approx(math.log(8))
    assert score("nwot", net, [[1.0, -1.0, 2.0], [3.0, -2.0, 1.0]]) == -math.inf  # one code


def test_jacob_cov_of_two_input_gradients() -> None:
    # ReLU then Σ: the input gradients are the codes (1, 1, 0) and (1, 0, 0), correlation ½,
    # eigenvalues 3/2 and 1/2
    net = nn.Sequential(nn.ReLU(), linear([[1, 1, 1]]))
    k = 1e-5
    expected = -sum(math.log(v + k) + 1 / (v + k) for v in (1.5, 0.5))
    assert score("jacob_cov", net, [[1.0, 1.0, -1.0], [1.0, -1.0, -1.0]]) == pytest.approx(expected)
    assert math.isnan(
        score("jacob_cov", nn.Sequential(nn.ReLU(), linear([[0, 0, 0]])), [[1.0] * 3])
    )


def test_params_and_flops_of_a_tiny_conv_net() -> None:
    net = nn.Sequential(
        nn.Conv2d(1, 2, 3, padding=1), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2, 3)
    )
    images = torch.zeros(2, 1, 4, 4).tolist()
    assert score("params", net, images) == 2 * 9 + 2 + 2 * 3 + 3
    assert score("flops", net, images) == 16 * 2 * 9 + 2 * 3  # per output: its fan-in


def test_a_score_leaves_the_network_as_it_was() -> None:
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten())
    net = nn.Sequential(*net, nn.Linear(8, 3)).eval()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    images = torch.randn(4, 1, 4, 4, generator=torch.Generator().manual_seed(0)).tolist()
    for name in sorted(NAMES):
        score(name, net, images, [0, 1, 2, 0])
    after = net.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before) and not net.training
    assert all(p.grad is None for p in net.parameters())


def test_the_cell_network_is_the_one_a_table_run_starts_from() -> None:
    protocol, arch = Protocol(), "|nor_conv_3x3~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|"
    arch += "nor_conv_3x3~1|none~2|"
    net = embedded_proxies.cell_network(arch, 1, protocol)
    torch.manual_seed(1)  # as train_cell builds it
    ops = list(protocol.ops)
    reference = Nb201Network(1, 10, protocol.channels, protocol.cells_per_stage, ops)
    choice = [ops.index(op) for op in Nb201Genotype.from_string(arch).ops]
    weights = {"cell": nn.functional.one_hot(torch.tensor(choice), len(ops)).float()}
    x = torch.randn(3, 1, 16, 16)
    assert torch.equal(net(x), reference(x, weights, {"cell": choice}))
    assert sum(p.numel() for p in net.parameters()) < sum(
        p.numel() for p in reference.parameters()
    )  # the unchosen ops are dropped


CELLS = [
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|",
    "|skip_connect~0|+|none~0|avg_pool_3x3~1|+|nor_conv_3x3~0|none~1|skip_connect~2|",
    "|avg_pool_3x3~0|+|avg_pool_3x3~0|avg_pool_3x3~1|+|avg_pool_3x3~0|avg_pool_3x3~1|none~2|",
    "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
]


def tiny_table(path: Path) -> Path:
    """A table of four cells, their accuracies in the order above (first best)."""
    cells = {}
    for rank, arch in enumerate(CELLS):
        runs = [
            {"seed": s, "test_acc": 0.8 - 0.1 * rank, "test_correct": 400 - 50 * rank - s}
            | {"test_images": 500, "seconds": 2.0, "params": 100}
            for s in (0, 1, 2)
        ]
        cells[f"cell{rank}"] = {"arch": arch, "members": [arch], "runs": runs}
    data = {"protocol": Protocol().to_json(), "code_version": "test", "cells": cells}
    path.write_text(json.dumps(data))
    return path


def test_the_proxies_command_scores_resumes_and_reports(tmp_path, monkeypatch, capsys) -> None:
    from darts_lab.data.analognas_bench import to_codes

    table = tiny_table(tmp_path / "t.json")
    anb = write_anb(
        tmp_path / "data.anb", {to_codes(a): 90.0 - i for i, a in enumerate(CELLS)}, monkeypatch
    )
    args = ["proxies", "--table", str(table), "--proxies", "params", "nwot", "--seeds", "0", "1"]
    args += ["--batch-size", "8", "--external", str(anb)]
    main([*args, "--limit", "2"])  # the first two cells, then the rest
    calls = []
    real = embedded_proxies.score_cell
    monkeypatch.setattr(embedded_proxies, "score_cell", lambda *a: calls.append(a[:2]) or real(*a))
    main(args)
    assert sorted(calls) == [(CELLS[2], 0), (CELLS[2], 1), (CELLS[3], 0), (CELLS[3], 1)]
    out = capsys.readouterr().out.splitlines()
    scores = json.loads((tmp_path / "t_proxies.json").read_text())
    assert scores["settings"] == {
        "protocol": Protocol().to_json(),
        "batch_size": 8,
        "seeds": [0, 1],
    }
    assert scores["cells"]["cell3"]["scores"] == {"nwot": [None, None], "params": [202.0] * 2}
    assert scores["seconds"]["params"]["evaluations"] == 8
    rows = {
        line.split(" | ")[0][2:]: line.split(" | ")[1:] for line in out if line.startswith("| ")
    }
    # params ranks the four cells as the table and CIFAR-10 do; its "10 best" are all four cells,
    # at CIFAR-10 percentiles 100, 75, 50, 25 (min 25, median 62.5)
    assert rows["params"][:5] == ["1.000", "1.000", "1.000", "1.000", "25 / 62"]
    assert rows["2 epochs of training (the table)"][-1] == "2.0 |"
    calls.clear()
    written = (tmp_path / "t_proxies.json").stat().st_mtime_ns
    main(args)  # all scored: only the report, the file left as it was
    assert calls == [] and not (tmp_path / "t_proxies.partial.jsonl").exists()
    assert (tmp_path / "t_proxies.json").stat().st_mtime_ns == written


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--proxies", "synflow", "nope"], "--proxies=nope: no such proxy"),
        (["--proxies", "nwot", "nwot"], "--proxies nwot nwot: each proxy once"),
        (["--out", "/no/such/dir/s.json"], "--out /no/such/dir/s.json: give a file path"),
        (["--batch-size", "0"], "argument --batch-size: invalid positive integer value"),
    ],
)
def test_bad_proxies_options_are_one_error_line(tmp_path, capsys, extra, message) -> None:
    table = tiny_table(tmp_path / "t.json")
    with pytest.raises(SystemExit) as exit_:
        main(["proxies", "--table", str(table), *extra])
    err = capsys.readouterr().err.strip().splitlines()
    assert exit_.value.code == 2 and len(err) == 1 and err[0].startswith(f"error: {message}")


def test_cifar10_columns_left_out_in_one_line(tmp_path, monkeypatch, capsys) -> None:
    def missing(option: str) -> Path:
        raise ConfigError("AnalogNAS-Bench's table is missing")

    monkeypatch.setattr("darts_lab.data.analognas_bench.shipped_table", missing)
    table = tiny_table(tmp_path / "t.json")
    main(["proxies", "--table", str(table), "--proxies", "flops", "--seeds", "0", "--limit", "2"])
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "CIFAR-10 columns left out: AnalogNAS-Bench's table is missing"
    assert "| proxy | τ table | ρ table | seed τ | s / cell |" in out
