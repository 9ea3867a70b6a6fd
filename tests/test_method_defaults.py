"""A method that overrides only what it changes works: SearchMethod's defaults are DARTS's
(first-order α-gradient), as docs/extending.md promises."""

from __future__ import annotations

import json
from pathlib import Path

from darts_lab.arch_gradient.first_order import FirstOrder
from darts_lab.method.base import SearchMethod
from darts_lab.search import run_search
from tests.conftest import make_cfg


class Plain(SearchMethod):
    """The extension page's skeleton: no gradient of its own."""


def test_a_method_without_a_gradient_takes_darts_first_order_steps(tmp_path: Path) -> None:
    assert isinstance(Plain().gradient, FirstOrder)
    few = ["trainer.limit_train_batches=2", "trainer.limit_val_batches=1", "seed=3"]
    run_search(make_cfg(*few, "method._target_=tests.test_method_defaults.Plain"), tmp_path / "p")
    run_search(make_cfg(*few), tmp_path / "darts")
    alphas = [json.loads((tmp_path / d / "alphas.json").read_text()) for d in ("p", "darts")]
    assert alphas[0]["weights"] == alphas[1]["weights"]  # the same α-steps as DARTS
