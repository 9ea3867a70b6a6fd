"""The one combination suite: method × α-gradient rule × schedule × regularizer × activation × arch
optimizer × search space, every option read from conf/ (plus a toy method from tests/plugin_conf/,
to show a new method is one class + one yaml). Each case either takes 2 steps, or refuses in one
line that names the two conflicting options, exactly when the pieces' declarations predict it:

- an activation's `needs` (search-space capabilities) and its parameter `domain`,
- an optimizer's accepted domains (arch_optimizer/__init__.py),
- a method's `activation_domains`, `space_inputs`, `needs_ops` and `takes_unrolled` against the
  α-gradient rule's `unrolled` (method/base.py, arch_gradient/base.py),
- a regularizer's `activation_domains` (regularizer/base.py).

Cases: one per distinct refusal (rule and pair of options), and a greedy pairwise covering of
the combinations that run: every two options of different groups that can run together do so in
at least one case."""

from __future__ import annotations

import itertools
import json
import math
import re
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest
from hydra.utils import get_class
from omegaconf import OmegaConf

from darts_lab.arch_optimizer import accepted_domains
from darts_lab.combination import option
from darts_lab.config import ConfigError
from darts_lab.export.artifacts import read_status
from darts_lab.method.darts import Darts
from darts_lab.search import build, run_search
from tests.conftest import CONF_DIR, make_cfg, options

PLUGIN_DIR = Path(__file__).parent / "plugin_conf"
GROUPS = ("method", "arch_gradient", "schedule", "regularizer", "activation", "arch_optimizer",
          "search_space")  # fmt: skip
# one option per search-space class (a *_paper option is the same class at the paper's size),
# plus PC-DARTS's partial channels and edge weights on the DARTS cell
VARIANTS = {
    "pcdarts": ("darts_cnn", ["search_space.partial_channels=2", "search_space.edge_weights=true"])
}
# darts_cnn with another op list on every edge (rdarts_s2, s3: test_rdarts_spaces.py; DrNAS's
# 7 ops); rdarts_s1 (an op list per edge) and rdarts_s4 (the noise op) stay
SAME_CLASS = ("rdarts_s2", "rdarts_s3", "darts_cnn_drnas")
SPACES = [
    s for s in options("search_space") if not s.endswith("_paper") and s not in SAME_CLASS
] + list(VARIANTS)
CHOICES = {
    "method": [*options("method"), "shifted"],
    "arch_gradient": options("arch_gradient"),
    "schedule": options("schedule"),
    "regularizer": options("regularizer"),
    "activation": options("activation"),
    "arch_optimizer": options("arch_optimizer"),
    "search_space": SPACES,
}
# α-steps within the 2 batches; plain SGD on logits at a rate that keeps them finite
EXTRA = {
    "constant": ["schedule.every=1"],
    "fimt": ["schedule.r=1"],
    "sgd": ["arch_optimizer.lr=0.01"],
}
TWO_STEPS = [
    "dataset.batch_size=16",
    "trainer.limit_train_batches=2",
    "trainer.limit_val_batches=1",
]


class Shifted(Darts):
    """The toy method: the w-step mixes every op weight shifted by a constant."""

    def __init__(self, shift: float = 0.1) -> None:
        super().__init__()
        self.shift = shift

    def w_mixing(self, ctx, batch):  # noqa: ANN001, ANN201
        weights, choices = super().w_mixing(ctx, batch)
        return {k: w + self.shift for k, w in weights.items()}, choices


@cache
def yaml(group: str, name: str):  # noqa: ANN201
    name = VARIANTS.get(name, (name,))[0]
    path = Path(CONF_DIR) / group / f"{name}.yaml"
    return OmegaConf.load(path if path.exists() else PLUGIN_DIR / group / f"{name}.yaml")


@cache
def declared(group: str, name: str) -> type:
    return get_class(yaml(group, name)._target_)


def refusal(case: dict[str, str]) -> tuple[str, str, str] | None:
    """(the message's key phrase, the two options it must name), from the declarations, in the
    order darts_lab/combination.py checks them; None: the case runs."""
    act, space, method, rule, regularizer = (
        declared(g, case[g])
        for g in ("activation", "search_space", "method", "arch_gradient", "regularizer")
    )
    named = {g: f"{g}={VARIANTS.get(case[g], (case[g],))[0]}" for g in GROUPS}  # the key
    if space.capabilities.lacks(act.needs):
        return "needs a search space with", named["activation"], named["search_space"]
    if act.domain not in accepted_domains(yaml("arch_optimizer", case["arch_optimizer"])._target_):
        return f"stores {act.domain}", named["arch_optimizer"], named["activation"]
    if method.activation_domains is not None and act.domain not in method.activation_domains:
        return "works on op weights from", named["method"], named["activation"]
    if method.space_inputs is not None and space.inputs not in method.space_inputs:
        return "works on search spaces of", named["method"], named["search_space"]
    space_yaml = yaml("search_space", case["search_space"])
    edges = [row for rows in (space_yaml.get("edge_ops") or {}).values() for row in rows]
    ops = [  # the ops every edge offers (per-edge lists: R-DARTS S1)
        op for op in space_yaml.ops if op not in act.excluded_ops and all(op in e for e in edges)
    ]
    if rule.unrolled and not method.takes_unrolled:
        return "takes first-order α-gradients only", named["method"], named["arch_gradient"]
    if any(op not in ops for op in method.needs_ops):
        return "needs the op(s)", named["method"], named["search_space"]
    if regularizer.activation_domains and act.domain not in regularizer.activation_domains:
        return "works on op weights from", named["regularizer"], named["activation"]
    return None


def pairwise(cases: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """A greedy covering: pick cases until every pair of options (of two groups) held by some
    case is held by a picked one; each pick covers the most pairs still uncovered."""
    pairs = [list(itertools.combinations(enumerate(case), 2)) for case in cases]
    holders = defaultdict(list)
    for k, held in enumerate(pairs):
        for pair in held:
            holders[pair].append(k)
    uncovered, picked = set(holders), []
    while uncovered:
        best = max(holders[min(uncovered)], key=lambda k: sum(p in uncovered for p in pairs[k]))
        picked.append(cases[best])
        uncovered -= set(pairs[best])
    return picked


ALL = {c: refusal(dict(zip(GROUPS, c, strict=True))) for c in itertools.product(*CHOICES.values())}
REFUSALS = {}
for _case, _why in ALL.items():
    if _why is not None:
        REFUSALS.setdefault(_why, _case)  # the first case of each refusal
RUNS = pairwise([case for case, why in ALL.items() if why is None])


def config(case: tuple[str, ...], *extra: str):  # noqa: ANN201
    chosen = dict(zip(GROUPS, case, strict=True))
    space, variant = VARIANTS.get(chosen["search_space"], (chosen["search_space"], []))
    text = declared("search_space", space).inputs == "text"
    return make_cfg(
        f"hydra.searchpath=[file://{PLUGIN_DIR}]",
        *(f"{g}={v}" for g, v in chosen.items() if g != "search_space"),
        f"search_space={space}",
        *variant,
        *(["dataset=tiny_corpus", "task=language_model"] if text else []),
        *(o for v in case for o in EXTRA.get(v, [])),
        *TWO_STEPS,
        *extra,
    )


def test_the_cases_cover_every_option_and_pair() -> None:
    for group, values in CHOICES.items():
        assert {c[GROUPS.index(group)] for c in RUNS} == set(values), group
    assert {why[0] for why in REFUSALS} == {
        "needs a search space with", "stores logits", "stores simplex", "stores box",
        "stores gates", "works on op weights from", "works on search spaces of", "needs the op(s)",
        "takes first-order α-gradients only",
    }  # fmt: skip
    assert len(RUNS) < len(ALL) / 50  # the covering, not the product


def test_the_toy_method_is_the_one_that_runs(tmp_path: Path) -> None:
    case = next(c for c in RUNS if c[0] == "shifted")
    search = build(config(case), tmp_path)
    assert type(search.module.method).__name__ == "Shifted" and search.module.method.shift == 0.1


@pytest.mark.parametrize("case", RUNS, ids="-".join)
def test_runs(case: tuple[str, ...], tmp_path: Path) -> None:
    run_search(config(case), tmp_path)
    assert read_status(tmp_path) == "finished"
    weights = json.loads((tmp_path / "alphas.json").read_text())["weights"]
    assert all(math.isfinite(v) for w in weights.values() for row in w for v in row)


@pytest.mark.parametrize(("why", "case"), list(REFUSALS.items()), ids=lambda x: "-".join(x))
def test_refuses(why: tuple[str, str, str], case: tuple[str, ...], tmp_path: Path) -> None:
    phrase, *both = why
    cfg = config(case)
    with pytest.raises(ConfigError, match=re.escape(phrase)) as err:
        run_search(cfg, tmp_path)
    message = str(err.value)
    # named as the user wrote them (in-process, without Hydra's CLI choices: the class's name)
    named = [option(cfg, o.split("=")[0]) for o in both]
    assert "\n" not in message and all(o in message for o in named), message
    assert not (tmp_path / "status").exists()  # refused before anything ran


def covering(cases: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """A greedy covering of every option of every group (not every pair) by few of `cases`."""
    uncovered = {held for case in cases for held in enumerate(case)}
    picked = []
    while uncovered:
        best = max(cases, key=lambda case: len(uncovered & set(enumerate(case))))
        picked.append(best)
        uncovered -= set(enumerate(best))
    return picked


# selection=pt (DARTS-PT) beside every option of every group, on every space whose inputs it
# declares (the text cell refuses it: tests/test_selection.py): its one epoch takes every
# decision at once, each scored on one batch
PT = ["selection=pt", "selection.proj_intv=0", "selection.eval_batches=1"]
PT_RUNS = covering(
    [
        c
        for c in RUNS
        if declared("search_space", c[-1]).inputs in declared("selection", "pt").space_inputs
    ]
)


def pt_overrides(space: str) -> list[str]:
    """The selection's, and a DARTS cell of 1 node (not with an op list per edge: 14 edges; the
    second pass runs there, on R-DARTS's S1 and S4, and in tests/test_selection.py)."""
    steps = "steps" in make_cfg(f"search_space={VARIANTS.get(space, (space,))[0]}").search_space
    small = steps and "edge_ops" not in yaml("search_space", space)
    return [*PT, *(["search_space.steps=1", "search_space.multiplier=1"] if small else [])]


@pytest.mark.parametrize("case", PT_RUNS, ids="-".join)
def test_runs_with_perturbation_selection(case: tuple[str, ...], tmp_path: Path) -> None:
    run_search(config(case, *pt_overrides(case[-1])), tmp_path)
    assert read_status(tmp_path) == "finished"
    report = json.loads((tmp_path / "selection.json").read_text())
    assert len({d["event"] for d in report["decisions"]}) == report["events"]
    assert (tmp_path / "genotype_magnitude.json").exists()
