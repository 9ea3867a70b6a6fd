"""The search figures: non-empty PNGs from a recorded α history and FIMT stream, and a run that
writes them."""

from pathlib import Path

import torch

from darts_lab.export.figures import plot_schedule, search_figures
from darts_lab.search import run_search
from darts_lab.search_space.genotype import edge_endpoints
from tests.conftest import make_cfg


def test_figures_from_a_recorded_history(tmp_path: Path) -> None:
    torch.manual_seed(0)
    history = [
        {t: torch.softmax(torch.randn(14, 8) * e, -1) for t in ("normal", "reduce")}
        for e in range(4)
    ]
    ops = [f"op{i}" for i in range(8)]
    stream = [
        {
            "fimt/trace": 2.0 - i / 10,
            "fimt/ema": 2.0 - i / 12,
            "fimt/threshold": 1.0 + i / 20,
            "fimt/arch_step": float(i % 3 == 0),
        }
        for i in range(12)
    ]
    paths = search_figures(history, stream, ops, edge_endpoints(4), tmp_path)
    names = sorted(p.name for p in paths)
    assert names == ["alphas_normal.png", "alphas_reduce.png", "entropy.png", "fimt_schedule.png"]
    assert all(p.stat().st_size > 5000 for p in paths)
    assert plot_schedule(stream, tmp_path / "s.png").read_bytes()[:4] == b"\x89PNG"


def test_a_fimt_search_writes_its_figures(tmp_path: Path) -> None:
    fimt = [
        "schedule=fimt",
        "schedule.r=2",
        "trainer.max_epochs=2",
        "trainer.limit_train_batches=3",
        "trainer.limit_val_batches=1",
    ]
    run_search(make_cfg(*fimt, "figures=true"), tmp_path / "drawn")
    for name in ("alphas_normal.png", "alphas_reduce.png", "entropy.png", "fimt_schedule.png"):
        assert (tmp_path / "drawn" / name).stat().st_size > 0
    run_search(make_cfg(*fimt, "figures=false"), tmp_path / "not")  # what they show stays
    assert not list((tmp_path / "not").glob("*.png"))
    assert (tmp_path / "not" / "alphas.json").is_file() and (
        tmp_path / "not" / "genotype.json"
    ).is_file()


def test_wandb_runs_are_grouped_named_and_tagged(tmp_path: Path) -> None:
    from darts_lab.lit.lifecycle import log_hyperparams
    from darts_lab.search import build

    cfg = make_cfg("logger=wandb", "schedule=fimt", "regularizer=proximity", "seed=5")
    _, _, trainer, _, _ = build(cfg, tmp_path)
    log_hyperparams(cfg, trainer)  # what the run does once it holds its directory
    init = trainer.loggers[0]._wandb_init
    assert init["group"] == "adhoc" and init["name"] == "adhoc/seed5"
    assert {"schedule=fimt", "regularizer=proximity", "method=darts"} <= set(init["tags"])
    assert trainer.loggers[0].experiment.config["schedule"]["r"] == 10  # full config logged
    trainer.loggers[0].experiment.finish()


def test_per_edge_op_lists_name_each_edges_own_ops(tmp_path: Path, monkeypatch) -> None:
    """R-DARTS S1: the columns of α are different ops on each edge; each subplot's legend names
    that edge's ops (a shared legend would show the column labels edge_op0/edge_op1)."""
    import darts_lab.export.figures as figures

    drawn = []
    monkeypatch.setattr(figures, "save_figure", lambda fig, path, dpi: drawn.append(fig))
    edges = edge_endpoints(2)  # 5 edges
    table = [["skip_connect", "dil_conv_3x3"], ["max_pool_3x3", "avg_pool_3x3"]] * 2 + [
        ["noise", "sep_conv_3x3"]
    ]
    history = [{"normal": torch.full((5, 2), 0.5)} for _ in range(2)]
    figures.plot_alpha_trajectories(
        history, "normal", ["edge_op0", "edge_op1"], edges, tmp_path / "a.png", table
    )
    (fig,) = drawn
    legends = [[t.get_text() for t in ax.get_legend().get_texts()]
               for ax in fig.axes if ax.get_visible() and ax.get_legend()]  # fmt: skip
    assert sorted(map(tuple, legends)) == sorted(map(tuple, table))
    assert not fig.legends  # no shared legend of column labels
