"""Plug-in callbacks: two run at once; the parameter-free-op count against a hand-made Π_S."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from darts_lab.callbacks.param_free_ops import ParamFreeOps
from darts_lab.search import run_search
from tests.conftest import make_cfg


def test_two_callbacks_at_once(tmp_path: Path) -> None:
    cfg = make_cfg(
        "+overlay=embedded",
        "callbacks=[param_free_ops]",
        "logger=csv",
        "figures=true",
        "trainer.max_epochs=2",
        "trainer.limit_train_batches=2",
        "trainer.limit_val_batches=1",
    )
    run_search(cfg, tmp_path)
    benchmark = json.loads((tmp_path / "oracle.json").read_text())
    collapse = json.loads((tmp_path / "collapse.json").read_text())
    assert benchmark["oracle"] == "embedded" and len(benchmark["per_epoch"]) == 2
    assert len(collapse["per_epoch"]) == 2 and 0 <= collapse["param_free_ops"]["cell"] <= 6
    assert (tmp_path / "oracle.png").is_file() and (tmp_path / "param_free_ops.png").is_file()
    metrics = next(tmp_path.rglob("metrics.csv")).read_text().splitlines()[0]
    assert "collapse/param_free/cell" in metrics and "oracle/regret" in metrics


def test_param_free_count_by_hand(tmp_path: Path) -> None:
    """NB201 cell, ops (none, skip, conv, pool): Π_S = argmax per edge (none never chosen);
    edges crafted to pick skip, conv, pool, skip, conv, conv → 3 parameter-free."""
    from darts_lab.search import build

    cfg = make_cfg("+overlay=embedded", "callbacks=[param_free_ops]")
    module, _, _, callbacks, _ = build(cfg, tmp_path)
    with torch.no_grad():
        alpha = module.arch.alphas["cell"]
        alpha.fill_(0.0)
        for edge, op in enumerate([1, 2, 3, 1, 2, 2]):
            alpha[edge, op] = 5.0
        alpha[0, 0] = 9.0  # "none" strongest on edge 0: Π_S skips it and takes skip_connect
    assert ParamFreeOps.count(module) == {"cell": 3}
    assert [type(p).__name__ for p in callbacks] == ["ParamFreeOps", "EmbeddedOracle"]
