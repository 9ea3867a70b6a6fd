"""Perf switches are correct on CPU: channels_last, recompute_edges, the frozen-w α-step, the
shared ReLU and torch.compile give the same search as the default path; bf16-mixed runs."""

import json
import math
from pathlib import Path

import pytest

from darts_lab.search import run_search
from tests.conftest import make_cfg

FEW = ["trainer.limit_train_batches=3", "trainer.limit_val_batches=1", "seed=3"]


def alphas(run_dir: Path) -> list[float]:
    weights = json.loads((run_dir / "alphas.json").read_text())["weights"]
    return [v for w in weights.values() for row in w for v in row]


def test_compile_matches_the_default_path(tmp_path: Path) -> None:
    # tracing a DARTS supernet takes minutes on this CPU: a 2-op NB201 net keeps it ~10 s; the
    # eager backend exercises dynamo's capture without the C++ code generation
    small = ["search_space=nb201", "search_space.ops=[skip_connect,nor_conv_3x3]", *FEW[1:]]
    small += ["trainer.limit_train_batches=2"]
    run_search(make_cfg(*small), tmp_path / "default")
    compiled = ["perf.compile=true", "perf.compile_backend=eager"]
    run_search(make_cfg(*small, *compiled), tmp_path / "compiled")
    assert alphas(tmp_path / "compiled") == pytest.approx(alphas(tmp_path / "default"), abs=1e-5)


def test_bf16_mixed_precision_runs_on_cpu(tmp_path: Path) -> None:
    run_search(make_cfg(*FEW, "trainer.precision=bf16-mixed"), tmp_path)
    values = alphas(tmp_path)
    assert all(math.isfinite(v) for v in values)
    assert values != pytest.approx([1 / 8] * len(values), abs=0)  # α moved


def test_16_mixed_runs_on_cpu(tmp_path: Path) -> None:
    """Lightning allows 16-mixed on CPU (fp16 autocast, no loss scaler there)."""
    run_search(make_cfg(*FEW, "trainer.precision=16-mixed"), tmp_path)
    assert all(math.isfinite(v) for v in alphas(tmp_path))


def test_fp16_loss_scale_is_undone_for_clipping_and_the_trace(tmp_path: Path) -> None:
    """On a GPU, 16-mixed scales the loss by s (torch's GradScaler, which Lightning uses): the
    clip and the FIMT trace must see the true gradients, and an overflow is the scaler's."""
    from types import SimpleNamespace

    import torch

    from darts_lab.search import build

    module, dm, _, _, _ = build(make_cfg(*FEW), tmp_path)
    dm.setup()
    x, y = next(iter(dm.train_dataloader()))
    params = list(module.net.parameters())

    def gradients(scale: float) -> list[torch.Tensor]:
        module.net.zero_grad()
        loss = module.task.loss(*module.task(module.net, (x, y), module.arch.weights()))
        (loss * scale).backward()
        return [p.grad.clone() for p in params if p.grad is not None]

    reference = gradients(1.0)
    true_norm = float(torch.linalg.vector_norm(torch.stack([g.norm() for g in reference])))
    clip = true_norm / 2  # so the clip bites
    module.w_optimizer.grad_clip = clip
    scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
    module.trainer = SimpleNamespace(precision_plugin=SimpleNamespace(scaler=scaler))
    gradients(1024.0)  # what manual_backward leaves under a loss scale of 1024
    norm = module.clip_true_gradients()
    assert float(norm) == pytest.approx(true_norm, rel=1e-4)  # the trace sees ‖G‖, not s‖G‖
    clipped = [p.grad / 1024.0 for p in params if p.grad is not None]
    for got, want in zip(clipped, reference, strict=True):  # clipped at `clip`, not s·clip
        torch.testing.assert_close(got, want * clip / true_norm, rtol=1e-4, atol=1e-7)
    params[0].grad[0] = float("inf")  # an overflow: the scaler skips the step, no NaN stop
    assert module.clip_true_gradients() is None


# float64 (Lightning's 64-true): float32 rounding, amplified by Adam's first steps, makes two
# equal computations differ by ~1e-5 on some CPUs; in float64 they agree to ~1e-15
STEPS64 = [
    "trainer.limit_train_batches=3",
    "trainer.limit_val_batches=1",
    "seed=3",
    "trainer.precision=64-true",
]


def assert_same_search(a: Path, b: Path) -> None:
    """The same α and w (and BN running statistics) after the runs' 3 steps."""
    import torch

    assert alphas(a) == pytest.approx(alphas(b), abs=1e-12)
    w = [
        torch.load(run / "checkpoints" / "last.ckpt", weights_only=False)["state_dict"]
        for run in (a, b)
    ]
    for key, value in w[0].items():
        if torch.is_tensor(value) and value.is_floating_point():
            torch.testing.assert_close(w[1][key], value, atol=1e-12, rtol=1e-10)


@pytest.fixture(scope="module")
def default64(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default path's 3 float64 steps: the one reference every switch below is held to
    (shared ReLU, w frozen in the α-step, NCHW, stored activations), run once."""
    run_dir = tmp_path_factory.mktemp("default64")
    run_search(make_cfg(*STEPS64), run_dir)
    return run_dir


def test_shared_relu_gives_the_same_search(default64: Path, tmp_path: Path, monkeypatch) -> None:
    """ReLU(x) computed once per edge (each ReLU-first op's after_relu) is the same step as
    every op applying its own: the same α and w after 3 steps of a DARTS search, the reducing
    skip included."""
    from darts_lab.search_space.ops import CandidateOps

    shared = CandidateOps.set_alive

    def own_relu(self: CandidateOps, alive) -> None:  # noqa: ANN001
        shared(self, alive)
        self.tails = {}  # every op applies its own ReLU

    monkeypatch.setattr(CandidateOps, "set_alive", own_relu)
    run_search(make_cfg(*STEPS64), tmp_path / "own")
    assert_same_search(default64, tmp_path / "own")


def test_channels_last_gives_the_same_search(default64: Path, tmp_path: Path) -> None:
    run_search(make_cfg(*STEPS64, "perf.channels_last=true"), tmp_path / "nhwc")
    assert_same_search(default64, tmp_path / "nhwc")


def test_frozen_weights_in_the_arch_step_give_the_same_search(
    default64: Path, tmp_path: Path, monkeypatch
) -> None:
    """The α-step's forward with w frozen (saves the activations only weight gradients need)
    is the same search as with w live."""
    import contextlib

    import darts_lab.arch_gradient.first_order as first_order

    monkeypatch.setattr(first_order, "frozen", lambda net: contextlib.nullcontext())
    run_search(make_cfg(*STEPS64), tmp_path / "live")
    assert_same_search(default64, tmp_path / "live")


def test_recomputed_edges_give_the_same_search(default64: Path, tmp_path: Path) -> None:
    """Activation checkpointing of the mixed ops (perf.recompute_edges) is the same search:
    the same α, w and BatchNorm running statistics after 3 steps."""
    run_search(make_cfg(*STEPS64, "perf.recompute_edges=true"), tmp_path / "recomputed")
    assert_same_search(default64, tmp_path / "recomputed")


def test_recomputed_edges_give_the_same_search_on_nb1shot1(tmp_path: Path) -> None:
    """The same on PC-DARTS's partial channels in the NAS-Bench-1Shot1 space."""
    extra = ["search_space=nb1shot1", "search_space.partial_channels=2"]
    run_search(make_cfg(*STEPS64, *extra), tmp_path / "stored")
    run_search(make_cfg(*STEPS64, *extra, "perf.recompute_edges=true"), tmp_path / "recomputed")
    assert_same_search(tmp_path / "stored", tmp_path / "recomputed")


@pytest.mark.parametrize(
    "overrides,says",
    [
        (["arch_gradient=second_order"], "turn one of them off"),
        (["search_space=darts_rnn", "task=language_model", "dataset=tiny_corpus"], "has none"),
    ],
)
def test_recompute_refuses_what_it_cannot_do(overrides: list, says: str, tmp_path: Path) -> None:
    from darts_lab.config import ConfigError

    with pytest.raises(ConfigError, match=says) as err:
        run_search(make_cfg(*overrides, "perf.recompute_edges=true"), tmp_path)
    assert "\n" not in str(err.value)


def test_fp16_alpha_overflow_is_the_scalers(tmp_path: Path) -> None:
    """An overflowed α-gradient under a loss scaler is no NaN stop: the α optimizer's step goes
    to the scaler (which skips it and lowers its scale) and no α-step is counted; without a
    scaler the same gradient stops the search."""
    from types import SimpleNamespace

    import torch

    from darts_lab.lit.reliability import NonFiniteError
    from darts_lab.search import build

    module, _, _, _, _ = build(make_cfg(*FEW), tmp_path)
    steps: list[int] = []

    def overflowing(ctx, batch, w_batch, penalty):  # noqa: ANN001, ANN202
        for alpha in module.arch.parameters():
            alpha.grad = torch.full_like(alpha, float("inf"))
        return torch.zeros(())

    module.method.arch_gradient = overflowing
    module.step_context = lambda *args: None
    a_opt = SimpleNamespace(zero_grad=lambda set_to_none: None, step=lambda: steps.append(1))
    scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
    module.trainer = SimpleNamespace(precision_plugin=SimpleNamespace(scaler=scaler))
    module.arch_step(a_opt, None, 0.0, None)
    assert steps == [1] and int(module.a_steps) == 0
    module.trainer = SimpleNamespace(precision_plugin=SimpleNamespace(), current_epoch=0)
    with pytest.raises(NonFiniteError, match="α-gradient norm"):
        module.arch_step(a_opt, None, 0.0, None)
