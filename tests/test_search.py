"""Full searches through Hydra's compose API on digits with a tiny supernet."""

import json
from pathlib import Path

import torch

from darts_lab.export.artifacts import read_genotype, read_status
from darts_lab.perf import machine_id
from darts_lab.search import build, run_search
from tests.conftest import make_cfg


def test_search_end_to_end_changes_alpha_and_w(tmp_path: Path) -> None:
    few = ["trainer.limit_train_batches=6", "trainer.log_every_n_steps=2"]  # step rows too
    cfg = make_cfg("logger=csv", "seed=3", "figures=true", *few)
    genotype = run_search(cfg, tmp_path)

    assert read_status(tmp_path) == "finished"
    assert read_genotype(tmp_path / "genotype.json") == genotype
    timing = json.loads((tmp_path / "timing.json").read_text())
    assert timing["machine"] == machine_id() and timing["search_seconds"] > 0
    nodes = cfg.search_space.steps
    edges = nodes * (nodes + 3) // 2  # node i has i + 2 inputs
    for cell in (genotype.normal, genotype.reduce):
        assert len(cell) == nodes and all(len(node) == 2 for node in cell)
    alphas = json.loads((tmp_path / "alphas.json").read_text())
    assert alphas["ops"][0] == "none" and len(alphas["edges"]) == edges
    for cell in ("normal", "reduce"):
        w = torch.tensor(alphas["weights"][cell])
        assert w.shape == (edges, 8)
        torch.testing.assert_close(w.sum(1), torch.ones(edges))
    assert (tmp_path / "normal_cell.png").stat().st_size > 1000
    assert (tmp_path / "reduce_cell.png").stat().st_size > 1000
    header = (tmp_path / "metrics.csv").read_text().splitlines()[0]
    for key in ("train/loss_step", "val/acc", "alpha/normal/0-2/sep_conv_3x3", "steps/arch"):
        assert key in header

    # Same seed → same initial supernet and α; the finished run must have moved both.
    fresh, _, _, _, _ = build(cfg, tmp_path / "fresh")
    final = torch.load(tmp_path / "checkpoints" / "last.ckpt", weights_only=False)["state_dict"]
    start = fresh.state_dict()
    assert not torch.equal(start["arch.alphas.normal"], final["arch.alphas.normal"])
    assert not torch.equal(start["arch.alphas.reduce"], final["arch.alphas.reduce"])
    conv = "net.cells.0.edges.0.ops.sep_conv_3x3.0.1.weight"
    assert not torch.equal(start[conv], final[conv])
    assert int(final["w_steps"]) == int(final["a_steps"]) > 0  # alternate: 1 α-step per w-step


def test_split_follows_schedule_ratio_and_seed(tmp_path: Path) -> None:
    _, dm, _, _, _ = build(make_cfg(), tmp_path)
    dm.setup()
    n = len(dm.w_indices) + len(dm.a_indices)
    assert n == 1438 and abs(len(dm.w_indices) - n / 2) <= 1  # alternate: r = 1 → 50/50
    assert not set(dm.w_indices.tolist()) & set(dm.a_indices.tolist())
    _, dm2, _, _, _ = build(make_cfg("dataset.split.train_fraction=0.8"), tmp_path)
    dm2.setup()
    assert len(dm2.w_indices) == round(0.8 * n)


def test_wandb_logger_offline(tmp_path: Path) -> None:
    limits = ["trainer.limit_train_batches=2", "trainer.limit_val_batches=1"]
    cfg = make_cfg("logger=wandb", *limits, "figures=true")
    run_search(cfg, tmp_path)
    runs = list((tmp_path / "wandb").glob("offline-run-*"))
    assert len(runs) == 1 and any(runs[0].glob("*.wandb"))
