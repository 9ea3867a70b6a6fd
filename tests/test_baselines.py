"""The black-box baselines (darts_lab/baseline/) on hand-made tables whose answers are known by
hand: local search's climb and its queries, evolution's one-edge mutations, every baseline
within its budget, proxy-guided search training exactly k cells, the cost arithmetic, the
one-shot vs baseline comparison at equal cost, the collapse rule on hand cells, random search's
published numbers, and AnalogNAS-Bench's table behind the oracle."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from darts_lab.baseline.base import Baseline, Exhausted, Queries, TableView
from darts_lab.baseline.evolution import RegularizedEvolution, mutate
from darts_lab.baseline.local_search import LocalSearch
from darts_lab.baseline.nb201 import nb201_archs, nb201_neighbours
from darts_lab.baseline.proxy_guided import ProxyGuided
from darts_lab.baseline.report import Baselines, matched_cost
from darts_lab.regret import collapsed, regret_rows, run_cost
from darts_lab.search_space.nb201 import Nb201Genotype


def hand_view(val: dict[str, float], seconds: float | None = 7.0, proxy=None) -> TableView:
    """A 2-edge × 2-op table: an arch is two letters (edge 0's op, edge 1's op) from {a, b};
    the test accuracy is the validation accuracy, the regret is against the best of them."""
    best, ordered = max(val.values()), sorted(val.values())

    def score(arch: str) -> dict[str, float]:
        share = sum(v <= val[arch] for v in ordered) / len(ordered)
        return {"test_acc": val[arch], "regret": best - val[arch], "percentile": 100 * share}

    def neighbours(arch: str) -> list[str]:
        flip = {"a": "b", "b": "a"}
        return [flip[arch[0]] + arch[1], arch[0] + flip[arch[1]]]

    proxies = {} if proxy is None else {"p": (proxy.get, 0.5)}
    return TableView(tuple(val), val.__getitem__, score, neighbours, seconds, proxies)


CLIMB = {"aa": 0.1, "ab": 0.2, "ba": 0.3, "bb": 0.9}  # aa → ba → bb, one optimum
TRAP = {"aa": 0.5, "ab": 0.1, "ba": 0.1, "bb": 0.9}  # aa is a local optimum


def test_local_search_climbs_to_the_optimum_in_four_queries() -> None:
    """From aa: train aa, its neighbours ab and ba (3), move to ba (0.3); ba's neighbours are
    aa (trained: free) and bb (4), move to bb; bb's neighbours are both trained: the optimum."""
    view = hand_view(CLIMB)
    queries = Queries(view, budget=10)
    assert LocalSearch.climb(view, queries, "aa", random.Random(0)) == "bb"
    assert len(queries.accuracy) == 4 and queries.best() == "bb"
    assert queries.trace[0] == ("aa", None) and queries.trace[-1] == ("bb", "ba")
    assert {arch for arch, parent in queries.trace[1:3]} == {"ab", "ba"}


def test_local_search_restarts_at_a_local_optimum() -> None:
    view = hand_view(TRAP)
    queries = Queries(view, budget=10)
    assert LocalSearch.climb(view, queries, "aa", random.Random(0)) == "aa"  # 3 queries
    assert len(queries.accuracy) == 3 and queries.untried() == ["bb"]
    for seed in range(8):  # from any start: every cell trained, the optimum found
        run = Baseline.load("local_search").run(view, budget=10, seed=seed)
        assert run["arch"] == "bb" and run["queries"] == 4 and run["regret"] == 0


def test_evolution_mutates_exactly_one_edge() -> None:
    ops = ("none", "skip_connect", "nor_conv_3x3", "avg_pool_3x3")
    archs = nb201_archs(ops)
    assert len(archs) == 4**6 and len(nb201_neighbours(archs[0], ops)) == 6 * 3
    rng = random.Random(0)
    value = {arch: rng.random() for arch in archs}
    view = TableView(archs, value.__getitem__, lambda a: {}, lambda a: nb201_neighbours(a, ops))
    evolution = RegularizedEvolution(population=10, sample=3)
    queries = Queries(view, budget=60)
    with pytest.raises(Exhausted):  # the budget is spent
        evolution.search(view, queries, random.Random(1))
    children = [(arch, parent) for arch, parent in queries.trace if parent is not None]
    assert len(queries.trace) == 60 and len(children) >= 50  # 10 random draws at most
    for arch, parent in children:
        a, b = Nb201Genotype.from_string(arch).ops, Nb201Genotype.from_string(parent).ops
        assert sum(x != y for x, y in zip(a, b, strict=True)) == 1
    parent = archs[1234]
    assert all(mutate(view, parent, rng) in nb201_neighbours(parent, ops) for _ in range(50))


def test_evolution_below_its_population_is_random_draws() -> None:
    view = hand_view(CLIMB)
    run = RegularizedEvolution(population=10, sample=3).run(view, budget=3, seed=0)
    assert run["queries"] == 3 and all(parent is None for _, parent in run["trace"])


@pytest.mark.parametrize("budget", [1, 2, 3, 4])
def test_every_baseline_stays_within_its_budget(budget: int) -> None:
    view = hand_view(CLIMB, proxy={"aa": 3.0, "ab": 1.0, "ba": 2.0, "bb": 0.0})
    baselines = [Baseline.load(n) for n in ("random_search", "evolution", "local_search")]
    for baseline in [*baselines, ProxyGuided("p", pool=4)]:
        for seed in range(5):
            run = baseline.run(view, budget, seed)
            assert run["queries"] == len(run["trace"]) == budget  # 4 cells: never short here
            assert run["arch"] in dict(run["trace"])


def test_proxy_guided_trains_exactly_the_k_best_by_the_proxy() -> None:
    val = {f"{x}{y}": 0.1 * i for i, (x, y) in enumerate(zip("aabb", "abab", strict=True))}
    proxy = {"aa": 3.0, "ab": None, "ba": 2.0, "bb": 1.0}  # None: could not be computed, last
    view = hand_view(val, proxy=proxy)
    guided = ProxyGuided("p", pool=4)
    run = guided.run(view, budget=2, seed=0)
    assert [arch for arch, _ in run["trace"]] == ["aa", "ba"] and run["arch"] == "ba"
    assert guided.run(view, budget=3, seed=5)["queries"] == 3
    assert not guided.applies(hand_view(val))  # a table without that proxy's scores
    assert guided.row(10) == "p-guided (N=4, k=10)"


def test_cost_arithmetic() -> None:
    view = hand_view(CLIMB, seconds=7.0, proxy={a: 1.0 for a in CLIMB})
    rs, guided = Baseline.load("random_search"), ProxyGuided("p", pool=4)
    assert rs.cost(view, 10) == 70.0 and rs.run(view, 3, 0)["cost_seconds"] == 21.0
    assert guided.cost(view, 3) == 4 * 0.5 + 3 * 7.0  # N × proxy seconds + k × training
    assert rs.budget_for(view, 49.0) == 7 and rs.budget_for(view, 49.5) == 8  # cost ≥ seconds
    assert guided.budget_for(view, 50.0) == 7  # 2 + 7 × 7 = 51 ≥ 50 > 2 + 6 × 7
    assert guided.budget_for(view, 1.0) == 1  # never less than one trained cell
    assert rs.cost(hand_view(CLIMB, seconds=None), 5) is None
    one_shot = [{"search_seconds": 40.0}, {"search_seconds": 60.0}]
    assert run_cost(one_shot) == 50.0 and run_cost([{"search_seconds": 1.0}, {}]) is None
    # a sweep continued on another machine: its seconds are not one machine's cost
    timed = [{**run, "machine": "vm/a"} for run in one_shot]
    assert run_cost(timed) == 50.0
    assert run_cost([*timed, {"search_seconds": 30.0, "machine": "vm/b"}]) is None
    assert run_cost([*timed, {"search_seconds": 30.0}]) is None  # timed before ids were kept
    runs = [{"seed": "0", "test_acc": 0.9, "regret": 0.01, **one_shot[0]}]
    rows = regret_rows({"m": runs, "b": [{"test_acc": 0.9, "regret": 0.0, "cost_seconds": 21.0}]})
    assert [row["cost (s)"] for row in rows] == ["40", "21"]


def test_one_shot_against_each_baseline_at_equal_cost() -> None:
    view = hand_view(CLIMB, seconds=7.0)
    baselines = Baselines(view, range(6))
    baselines.baselines = [Baseline.load("random_search")]
    worse = [{"seed": str(s), "regret": 0.8, "search_seconds": 20.0} for s in range(6)]
    rows, verdicts = matched_cost({"worse": worse}, baselines)
    (verdict,) = verdicts
    assert verdict["budget"] == 3  # 3 × 7 = 21 s ≥ 20 s > 2 × 7
    theirs = [100 * r["regret"] for r in baselines.runs(baselines.baselines[0], 3)]
    assert max(theirs) < 80 and verdict["verdict"] == "loses" and verdict["p"] <= 0.05
    assert rows[0]["random search"].startswith("k=3: ")


SKIPS = "|skip_connect~0|+|skip_connect~0|avg_pool_3x3~1|+|none~0|skip_connect~1|nor_conv_3x3~2|"
CONVS = "|nor_conv_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+|skip_connect~0|nor_conv_3x3~1|none~2|"


def test_collapse_needs_parameter_free_ops_and_a_cost_in_accuracy() -> None:
    from darts_lab.callbacks.param_free_ops import nb201_parameter_free

    free = lambda run: nb201_parameter_free(run["arch"])  # noqa: E731
    assert not collapsed({"arch": SKIPS, "percentile": 90.0}, free)  # 5 free, scores well
    assert collapsed({"arch": SKIPS, "percentile": 49.9}, free)  # 5 free, below the median
    assert not collapsed({"arch": SKIPS, "percentile": 50.0}, free)
    assert not collapsed({"arch": CONVS, "percentile": 5.0}, free)  # 3 free: a poor conv cell
    assert not collapsed({"arch": SKIPS}, free)  # no percentile: no cost in accuracy known


def test_random_search_keeps_its_published_numbers() -> None:
    from darts_lab.embedded.table import SHIPPED, load_table
    from darts_lab.embedded.view import embedded_view

    published = json.loads(SHIPPED.with_name("regret_results.json").read_text())["methods"]
    view = embedded_view(load_table())
    runs = [Baseline.load("random_search").run(view, 10, seed) for seed in range(10)]
    assert [100 * r["regret"] for r in runs] == pytest.approx(
        published["random search (k=10)"]["regret"], abs=1e-9
    )


def test_analognas_table_behind_the_oracle(tmp_path: Path, monkeypatch) -> None:
    from darts_lab.oracle.analognas import AnalogNasOracle, to_codes
    from tests.test_analognas import write_anb

    ops = ("none", "nor_conv_3x3")
    accuracy = {to_codes(a): 50.0 + i % 7 for i, a in enumerate(nb201_archs(ops))}
    path = write_anb(tmp_path / "data.anb", accuracy, monkeypatch)
    view = AnalogNasOracle.table_view([{"table_file": str(path), "ops": list(ops)}])
    assert view is not None and len(view.archs) == 64 and view.seconds_per_query is None
    arch = view.archs[3]
    assert view.validate(arch) == accuracy[to_codes(arch)] / 100
    assert view.score(arch)["regret"] == pytest.approx((56.0 - accuracy[to_codes(arch)]) / 100)
    run = Baseline.load("local_search").run(view, budget=64, seed=0)
    assert run["regret"] == 0 and run["cost_seconds"] is None
    assert AnalogNasOracle.table_view([{"table_file": str(tmp_path / "gone.anb")}]) is None
