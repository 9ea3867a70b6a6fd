"""The regret table's statistics by hand: bootstrap CI of the mean against scipy, the paired
(Wilcoxon) and unpaired (Mann-Whitney) tests on numbers whose exact p-values are known, the
collapse rule on crafted cells, and a row of every column from crafted seeds."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as scipy_stats

from darts_lab.callbacks.param_free_ops import nb201_parameter_free
from darts_lab.regret import RANDOM, collapsed, regret_rows, split_twins
from darts_lab.stats import bootstrap_ci, paired_p, unpaired_p
from darts_lab.threads import choose_threads

REGRETS = [0.4, 1.1, 2.5, 0.0, 3.2, 1.7, 0.9, 5.0, 2.2, 1.3]


def test_bootstrap_ci_matches_scipys_percentile_bootstrap() -> None:
    low, high = bootstrap_ci(REGRETS, resamples=20_000)
    theirs = scipy_stats.bootstrap(
        (np.array(REGRETS),), np.mean, n_resamples=20_000, method="percentile",
        random_state=np.random.default_rng(1),
    ).confidence_interval  # fmt: skip
    assert low == pytest.approx(theirs.low, abs=0.05) and high == pytest.approx(
        theirs.high, abs=0.05
    )
    assert low < np.mean(REGRETS) < high
    assert bootstrap_ci([2.0]) == (2.0, 2.0)
    assert bootstrap_ci(REGRETS) == bootstrap_ci(REGRETS)  # seeded: a report is reproducible


def test_wilcoxon_exact_p_by_hand() -> None:
    # 5 pairs, every difference positive and distinct: the exact two-sided p is 2 / 2^5
    assert paired_p([2, 3, 4, 5, 6], [1, 1, 1, 1, 1]) == pytest.approx(2 / 32)
    assert paired_p([1, 2, 3], [1, 2, 3]) == 1.0  # the same cells every seed: nothing differs
    assert np.isnan(paired_p([1.0], [2.0]))


def test_mann_whitney_exact_p_by_hand() -> None:
    # 3 vs 3, fully separated: U = 0, exact two-sided p = 2 / C(6, 3) = 0.1
    assert unpaired_p([1, 2, 3], [4, 5, 6]) == pytest.approx(0.1)
    assert np.isnan(unpaired_p([1.0], [1.0, 2.0]))


SKIPS = "|skip_connect~0|+|skip_connect~0|avg_pool_3x3~1|+|none~0|skip_connect~1|nor_conv_3x3~2|"
CONVS = "|nor_conv_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+|skip_connect~0|nor_conv_3x3~1|none~2|"


def test_collapse_rule_on_crafted_cells() -> None:
    assert nb201_parameter_free(SKIPS) == 5 and nb201_parameter_free(CONVS) == 3
    free = lambda run: nb201_parameter_free(run["arch"])  # noqa: E731
    assert collapsed({"arch": SKIPS, "percentile": 49.0}, free)  # ≥ 4 free AND below median
    assert not collapsed({"arch": SKIPS, "percentile": 90.0}, free)  # free ops, scores well
    assert not collapsed({"arch": CONVS, "percentile": 19.0}, free)  # poor, but convs
    assert not collapsed({"arch": SKIPS, "percentile": 10.0}, lambda run: None)  # not counted


def runs(regrets: list[float], arch: str, entropy: float | None = None) -> list[dict]:
    out = []
    for seed, r in enumerate(regrets):
        run = {"seed": str(seed), "arch": arch, "test_acc": 0.95 - r / 100, "regret": r / 100}
        run["percentile"] = 40.0
        if entropy is not None:
            run["entropy"] = entropy
        out.append(run)
    return out


def test_a_row_has_every_column_from_crafted_seeds() -> None:
    darts = runs([3.0, 4.0, 5.0, 6.0, 7.0], SKIPS, entropy=1.2)
    better = runs([1.0, 1.5, 2.0, 2.5, 3.0], CONVS, entropy=0.9)  # below DARTS on every seed
    rows = regret_rows(
        {"darts": darts, "better": better, RANDOM: runs([2.0, 9.0, 4.0], CONVS)},
        parameter_free=lambda run: nb201_parameter_free(run["arch"]),
        transfer=lambda run: 90.0 if run["arch"] == CONVS else 80.0,
    )
    row = {r["method"]: r for r in rows}
    assert row["darts"]["collapsed"] == "100 %" and row["better"]["collapsed"] == "0 %"
    assert (
        row["better"]["median regret"] == "2.00"
        and row["better"]["regret (points)"] == "2.00 ± 0.79"
    )
    assert row["better"]["p vs darts (paired Wilcoxon)"] == f"{2 / 32:.3f}"
    expected = scipy_stats.mannwhitneyu([1.0, 1.5, 2.0, 2.5, 3.0], [2.0, 9.0, 4.0]).pvalue
    assert row["better"]["p vs random (MWU)"] == f"{expected:.3f}"
    assert row["darts"]["p vs darts (paired Wilcoxon)"] == "—"  # nothing to pair with itself
    assert "p vs random (MWU)" not in row[RANDOM]
    assert row["darts"]["CIFAR-10 acc. of its cells (%)"] == "80.00 ± 0.00"
    assert row["better"]["final entropy"] == "0.900" and "final entropy" not in row[RANDOM]
    low, high = row["better"]["_ci"]
    assert row["better"]["regret 95 % CI"] == f"[{low:.2f}, {high:.2f}]" and low <= 2.0 <= high


def test_a_selection_row_is_paired_with_its_own_supernets_pi_s() -> None:
    """A selection=pt run reports Π_S's cell of its supernet under "magnitude": the row gains
    that twin's mean regret and the paired Wilcoxon p (5 seeds, every one better: 2 / 2^5)."""
    pt = runs([1.0, 1.5, 2.0, 2.5, 3.0], CONVS)
    for run, twin in zip(pt, runs([3.0, 4.0, 5.0, 6.0, 7.0], SKIPS), strict=True):
        run["magnitude"] = twin
    row = {r["method"]: r for r in regret_rows({"darts": runs([4.0] * 5, SKIPS), "pt": pt})}
    assert row["pt"]["Π_S regret, same supernets"] == "5.00 ± 1.58"
    assert row["pt"]["p vs Π_S (paired Wilcoxon)"] == f"{2 / 32:.3f}"
    assert "p vs Π_S (paired Wilcoxon)" not in row["darts"]
    # the report shows the twins in a table of their own: the regret table keeps no twin column
    main, twins = split_twins(list(row.values()))
    assert all("Π_S regret, same supernets" not in r for r in main) and len(main) == 2
    assert twins == [
        {"method": "pt", "regret (points)": "2.00 ± 0.79", "Π_S regret, same supernets":
         "5.00 ± 1.58", "p vs Π_S (paired Wilcoxon)": f"{2 / 32:.3f}"}
    ]  # fmt: skip


def test_thread_rule_never_oversubscribes() -> None:
    assert choose_threads(None, cores=2, jobs=2, current=2) == 1  # joblib n_jobs=2 on 2 cores
    assert choose_threads(None, cores=2, jobs=1, current=2) == 2
    assert choose_threads(None, cores=16, jobs=1, current=1) == 1  # OMP_NUM_THREADS=1 is kept
    assert choose_threads(None, cores=2, jobs=4, current=2) == 1
    assert choose_threads(3, cores=2, jobs=1, current=2) == 3  # asked for: given
    with pytest.raises(Exception, match="perf.threads"):
        choose_threads(0, cores=2, jobs=1, current=2)
