"""A method that overrides only what it changes works: SearchMethod's defaults are DARTS's
(the α-gradient is the config's rule, first order by default), as docs/extending.md promises."""

from __future__ import annotations

import json
from pathlib import Path

from darts_lab.arch_gradient.first_order import FirstOrder
from darts_lab.export.artifacts import read_status
from darts_lab.method.base import SearchMethod
from darts_lab.search import build, run_search
from tests.conftest import make_cfg


class Plain(SearchMethod):
    """The extension page's skeleton: no gradient of its own."""


def test_a_method_without_a_gradient_takes_darts_first_order_steps(tmp_path: Path) -> None:
    few = ["trainer.limit_train_batches=2", "trainer.limit_val_batches=1", "seed=3"]
    plain = make_cfg(*few, "method._target_=tests.test_method_defaults.Plain")
    assert isinstance(build(plain, tmp_path / "built").module.arch_gradient, FirstOrder)
    run_search(plain, tmp_path / "p")
    run_search(make_cfg(*few), tmp_path / "darts")
    alphas = [json.loads((tmp_path / d / "alphas.json").read_text()) for d in ("p", "darts")]
    assert alphas[0]["weights"] == alphas[1]["weights"]  # the same α-steps as DARTS


def test_the_extension_pages_method_runs(tmp_path: Path, monkeypatch) -> None:
    """docs/extending.md's smallest method, as the page prints it, searches."""
    import re
    import sys

    page = (Path(__file__).parents[1] / "docs" / "extending.md").read_text()
    (code,) = re.findall(r"```python\n# darts_lab/method/sharpened.py\n(.*?)```", page, re.S)
    (tmp_path / "page_sharpened.py").write_text(code)
    monkeypatch.syspath_prepend(str(tmp_path))
    few = ["trainer.limit_train_batches=2", "trainer.limit_val_batches=1"]
    run_search(make_cfg(*few, "method._target_=page_sharpened.Sharpened"), tmp_path / "run")
    assert read_status(tmp_path / "run") == "finished"
    sys.modules.pop("page_sharpened", None)
