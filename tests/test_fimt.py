"""DARTS-PRIME schedules against hand computations."""

import math
from pathlib import Path

import pytest
import torch

from darts_lab.schedule.alternate import Alternate
from darts_lab.schedule.constant import Constant
from darts_lab.schedule.fimt import Fimt
from darts_lab.search import build
from tests.conftest import make_cfg


def run(schedule, traces):
    decisions, thresholds = [], []
    for t in traces:
        schedule.observe(torch.tensor(t, dtype=torch.float64))
        decisions.append(schedule.arch_step_due())
        thresholds.append(getattr(schedule, "threshold", None))
    return decisions, thresholds


TRACES = [5, 4, 3, 0.5, 0.4, 2, 0.3, 0.2, 0.2, 3, 0.1, 0.1]
# λ = 0.5, F̄ starts at the first trace: F̄ = 5, 4.5, 3.75, 2.125, 1.2625, 1.63125, .965625,
# .5828125, .39140625, 1.695703125, .8978515625, .49892578125 (the same for both variants)


def test_fimt_sequence_by_hand() -> None:
    # default (Algorithm 1 / authors' code): r = 3, h_i = 1.5 → h_d = 1.5^-3 = 8/27
    # h: ×1.5 after "no", ×8/27 after "yes"
    expected_h = [1, 1.5, 2.25, 3.375, 1.0, 1.5, 2.25, 2 / 3, 16 / 81, 8 / 27, 4 / 9, 2 / 3]
    expected = [False, False, False, True, False, False, True, True, False, False, False, True]
    schedule = Fimt(r=3, h0=1.0, h_i=1.5, lam=0.5)
    decisions, thresholds = run(schedule, TRACES)
    assert decisions == expected
    assert thresholds == pytest.approx(expected_h, rel=1e-12)
    assert schedule.ema == pytest.approx(0.49892578125, rel=1e-12)
    assert schedule.h == pytest.approx(16 / 81, rel=1e-12)


def test_fimt_exact_ratio_sequence_by_hand() -> None:
    # variant=exact_ratio: h_d = 1.5^(1-3) = 4/9
    expected_h = [1, 1.5, 2.25, 3.375, 1.5, 2 / 3, 1.0, 4 / 9, 2 / 3, 8 / 27, 4 / 9, 2 / 3]
    expected = [False, False, False, True, True, False, True, False, True, False, False, True]
    schedule = Fimt(r=3, h0=1.0, h_i=1.5, lam=0.5, variant="exact_ratio")
    decisions, thresholds = run(schedule, TRACES)
    assert decisions == expected
    assert thresholds == pytest.approx(expected_h, rel=1e-12)
    assert schedule.h == pytest.approx(8 / 27, rel=1e-12)


@pytest.mark.parametrize("r", [2, 5, 10])
def test_fimt_default_ratio_is_r_plus_one_under_constant_trace(r: int) -> None:
    """Algorithm 1's h_d = exp(−r ln h_i), as the published runs used it: r + 1 (11.0 at r = 10)."""
    schedule = Fimt(r=r, h0=1.0, h_i=1.05, lam=0.2)
    assert schedule.h_d == pytest.approx(math.exp(-r * math.log(1.05)))
    decisions, _ = run(schedule, [3.0] * 20000)
    assert len(decisions) / sum(decisions) == pytest.approx(r + 1, rel=0.02)


@pytest.mark.parametrize("r", [2, 5, 10])
def test_fimt_exact_ratio_is_r_under_constant_trace(r: int) -> None:
    schedule = Fimt(r=r, h0=1.0, h_i=1.05, lam=0.2, variant="exact_ratio")
    assert schedule.h_d == pytest.approx(1.05 ** (1 - r))
    decisions, _ = run(schedule, [3.0] * 20000)
    assert len(decisions) / sum(decisions) == pytest.approx(r, rel=0.02)


def test_constant_and_alternate() -> None:
    assert run(Constant(every=3), [1.0] * 7)[0] == [False, False, True] * 2 + [False]
    assert Constant(every=10).expected_ratio == 10
    assert run(Alternate(), [1.0] * 3)[0] == [True] * 3 and Alternate().expected_ratio == 1


@pytest.mark.parametrize(
    "kwargs,key",
    [
        ({"r": 0.5}, "schedule.r"),
        ({"h_i": 0.9}, "schedule.h_i"),
        ({"lam": 0.0}, "schedule.lam"),
        ({"lam": 1.5}, "schedule.lam"),
        ({"h0": -1}, "schedule.h0"),
        ({"variant": "paper"}, "schedule.variant"),
    ],
)
def test_fimt_rejects_bad_values(kwargs: dict, key: str) -> None:
    with pytest.raises(ValueError, match=key):
        Fimt(**kwargs)


def test_fimt_state_round_trips() -> None:
    a = Fimt(r=3, h_i=1.5, lam=0.5)
    run(a, [5, 4, 0.1])
    b = Fimt(r=3, h_i=1.5, lam=0.5)
    b.load_state_dict(a.state_dict())
    assert (b.ema, b.h, b.due) == (a.ema, a.h, a.due)


def test_fimt_is_sum_of_squared_weight_gradients(tmp_path: Path) -> None:
    """The trace the schedule sees equals Σ (∂L/∂w)² over all supernet weights, unclipped."""
    seen: list[tuple[float, float]] = []

    class Recording(Alternate):
        def observe(self, fimt: torch.Tensor) -> None:
            explicit = sum(
                float((p.grad.double() ** 2).sum())
                for p in module.net.parameters()
                if p.grad is not None
            )
            seen.append((float(fimt), explicit))

    cfg = make_cfg(
        "w_optimizer.grad_clip=1e9", "trainer.limit_train_batches=3", "trainer.limit_val_batches=0"
    )
    module, dm, trainer, _, _ = build(cfg, tmp_path)
    module.schedule = Recording()
    trainer.fit(module, datamodule=dm)
    assert len(seen) == 3
    for fimt, explicit in seen:
        assert fimt == pytest.approx(explicit, rel=1e-4) and fimt > 0
