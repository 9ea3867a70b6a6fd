"""Proximity and ADMM regularization against hand computations on a one-node cell."""

import csv
import math
from pathlib import Path

import pytest
import torch

from darts_lab.arch.activation import Crb, Softmax
from darts_lab.arch.architecture import Architecture
from darts_lab.regularizer.admm import Admm
from darts_lab.regularizer.admm_paper import AdmmPaper
from darts_lab.regularizer.proximity import Proximity
from darts_lab.search import run_search
from darts_lab.search_space.genotype import project_onehot
from tests.conftest import make_cfg

OPS = ["none", "a", "b"]  # one intermediate node, two incoming edges (steps = 1)


def toy_arch(activation, alpha: list[list[float]]) -> Architecture:
    selectable = {"normal": torch.tensor([[False, True, True]] * 2)}
    arch = Architecture(
        {"normal": (2, 3)},
        activation,
        0.0,
        selectable,
        lambda w, sel: {k: project_onehot(w[k], 1, sel[k]) for k in w},
    )
    with torch.no_grad():
        arch.alphas["normal"].copy_(torch.tensor(alpha))
    return arch


def test_proximity_value_and_gradient_by_hand() -> None:
    ln2, ln3 = math.log(2), math.log(3)
    arch = toy_arch(Softmax(), [[0, ln2, 0], [0, 0, ln3]])
    # softmax rows: [.25, .5, .25] and [.2, .2, .6]; Π_S: op a on edge 0, op b on edge 1
    diff = torch.tensor([[0.25, -0.5, 0.25], [0.2, 0.2, -0.4]])
    norm = math.sqrt(0.615)
    term = Proximity(rho=0.1).penalty(arch, progress=0.5)
    assert float(term) == pytest.approx(0.5 * 0.1 / 2 * norm, rel=1e-6)
    term.backward()
    # ∂/∂α = s ⊙ (g − s·g) row by row, with g = (cρ/2)(w − Π)/‖w − Π‖ = 0.025 · diff / norm
    by_hand = torch.tensor([[0.09375, -0.1875, 0.09375], [0.072, 0.072, -0.144]]) * 0.025 / norm
    torch.testing.assert_close(arch.alphas["normal"].grad, by_hand)
    assert diff.norm() == pytest.approx(norm)


def two_cell_arch(normal: list[list[float]], reduce: list[list[float]]) -> Architecture:
    """CRB keeps α as the op weights themselves (inside (0, 1)), so hand numbers stay simple."""
    selectable = {k: torch.tensor([[False, True, True]] * 2) for k in ("normal", "reduce")}
    arch = Architecture(
        {"normal": (2, 3), "reduce": (2, 3)},
        Crb(),
        0.0,
        selectable,
        lambda w, sel: {k: project_onehot(w[k], 1, sel[k]) for k in w},
    )
    with torch.no_grad():
        arch.alphas["normal"].copy_(torch.tensor(normal))
        arch.alphas["reduce"].copy_(torch.tensor(reduce))
    return arch


def test_proximity_is_one_norm_per_cell_type_summed() -> None:
    """The authors' code: ρ/2 · c · (‖a_n − Π(a_n)‖ + ‖a_r − Π(a_r)‖), not one stacked norm."""
    arch = two_cell_arch([[0.25, 0.5, 0.25], [0.2, 0.2, 0.6]], [[0.1, 0.3, 0.6], [0.05, 0.75, 0.2]])
    # Π_S: normal → op a on edge 0, op b on edge 1; reduce → op b on edge 0, op a on edge 1
    diff_n = torch.tensor([[0.25, -0.5, 0.25], [0.2, 0.2, -0.4]])
    diff_r = torch.tensor([[0.1, 0.3, -0.4], [0.05, -0.25, 0.2]])
    norm_n, norm_r = math.sqrt(0.615), math.sqrt(0.365)
    term = Proximity(rho=0.1).penalty(arch, progress=0.5)
    assert float(term) == pytest.approx(0.025 * (norm_n + norm_r), rel=1e-6)
    term.backward()
    torch.testing.assert_close(arch.alphas["normal"].grad, 0.025 * diff_n / norm_n)
    torch.testing.assert_close(arch.alphas["reduce"].grad, 0.025 * diff_r / norm_r)


def test_proximity_off_at_start(tmp_path: Path) -> None:
    arch = toy_arch(Softmax(), [[0, 1, 0], [0, 0, 1]])
    assert float(Proximity(rho=0.1).penalty(arch, progress=0.0)) == 0.0


def test_proximity_ramp_over_a_search(tmp_path: Path) -> None:
    """c logged by a real search: 0 at the first batch, 1 at the last, linear between."""
    cfg = make_cfg(
        "regularizer=proximity",
        "logger=csv",
        "trainer.max_epochs=2",
        "trainer.limit_train_batches=3",
        "trainer.log_every_n_steps=1",  # every step's c
        "trainer.limit_val_batches=0",
    )
    run_search(cfg, tmp_path)
    with open(tmp_path / "metrics.csv") as f:
        cs = [float(row["prox/c"]) for row in csv.DictReader(f) if row.get("prox/c")]
    assert cs == pytest.approx([0, 0.2, 0.4, 0.6, 0.8, 1.0])


def test_admm_paper_updates_by_hand() -> None:
    # CRB keeps α as the op weights themselves, so the numbers below are the weights.
    arch = toy_arch(Crb(), [[0.25, 0.5, 0.25], [0.2, 0.2, 0.6]])
    admm = AdmmPaper(rho=0.1, every=1, discount=0.8)
    first = admm.penalty(arch, 0.3)  # z0 = Π_S(α) = [[0,1,0],[0,0,1]], u0 = 0
    assert float(first) == pytest.approx(0.05 * 0.615, rel=1e-6)
    admm.after_arch_step(arch)  # z1 = Π_S(α + 0) ; u1 = α − z1
    torch.testing.assert_close(admm.z["normal"], torch.tensor([[0.0, 1, 0], [0, 0, 1]]))
    torch.testing.assert_close(
        admm.u["normal"], torch.tensor([[0.25, -0.5, 0.25], [0.2, 0.2, -0.4]])
    )
    with torch.no_grad():  # α moves: alone it would keep op a on edge 0, α + u picks op b
        arch.alphas["normal"][0] = torch.tensor([0.3, 0.36, 0.34])
    admm.after_arch_step(arch)  # z2 = Π_S(α + u1); u2 = 0.8 u1 + α − z2
    # α + u1 = [[.55, −.14, .59], [.4, .4, .2]] → op b on edge 0 (u flips it), op a on edge 1
    torch.testing.assert_close(admm.z["normal"], torch.tensor([[0.0, 0, 1], [0, 1, 0]]))
    torch.testing.assert_close(
        admm.u["normal"], torch.tensor([[0.5, -0.04, -0.46], [0.36, -0.64, 0.28]])
    )
    expected = 0.05 * float(
        ((arch.weights()["normal"] - admm.z["normal"] + admm.u["normal"]) ** 2).sum()
    )
    assert float(admm.penalty(arch, 0.9)) == pytest.approx(expected)


# A crafted α stream: α0 before the first α-step, A after α-steps 1-9, B after 10-18.
ALPHA0 = [[0.3, 0.4, 0.3], [0.2, 0.5, 0.3]]
A = [[0.1, 0.6, 0.3], [0.5, 0.2, 0.3]]
B = [[0.2, 0.3, 0.35], [0.4, 0.45, 0.1]]


def run_stream(admm: Admm) -> tuple[Architecture, list[dict]]:
    arch = toy_arch(Crb(), ALPHA0)
    admm.penalty(arch, 0.0)  # the first α-loss starts z, u
    states = []
    for step in range(1, 19):
        with torch.no_grad():
            arch.alphas["normal"].copy_(torch.tensor(A if step <= 9 else B))
        admm.after_arch_step(arch)
        if step in (8, 9, 18):
            states.append({"z": admm.z["normal"].clone(), "u": admm.u["normal"].clone()})
    return arch, states


def test_admm_code_variant_on_a_crafted_stream_by_hand() -> None:
    """As the authors' code runs it: z starts as raw α, z/u move after every 9 α-steps,
    u ← u + α − z (λ_u = 1) on raw α, z ← Π_S(clip(α + u)), unsquared norm per cell type."""
    admm = Admm(rho=0.1, every=10)
    arch, (at8, at9, at18) = run_stream(admm)
    torch.testing.assert_close(at8["z"], torch.tensor(ALPHA0))  # untouched before step 9
    assert float(at8["u"].abs().sum()) == 0.0
    # step 9: z = Π_S(A) → op a on edge 0, op b on edge 1; u = A − z
    torch.testing.assert_close(at9["z"], torch.tensor([[0.0, 1, 0], [0, 0, 1]]))
    torch.testing.assert_close(at9["u"], torch.tensor([[0.1, -0.4, 0.3], [0.5, 0.2, -0.7]]))
    # step 18: clip(B + u) = [[.3, 0, .65], [.9, .65, 0]] → op b on edge 0, op a on edge 1
    torch.testing.assert_close(at18["z"], torch.tensor([[0.0, 0, 1], [0, 1, 0]]))
    torch.testing.assert_close(at18["u"], torch.tensor([[0.3, -0.1, -0.35], [0.9, -0.35, -0.6]]))
    # B − z + u = [[.5, .2, −1], [1.3, −.9, −.5]]: ‖·‖² = 4.04
    expected = 0.05 * math.sqrt(4.04)
    assert float(admm.penalty(arch, 0.5)) == pytest.approx(expected, rel=1e-6)


def test_admm_paper_variant_on_the_same_stream_by_hand() -> None:
    """Eq. S1-S5: z starts at Π_S(α0), z/u move every 10 α-steps, λ_u = 0.8, squared norm."""
    admm = AdmmPaper(rho=0.1, every=10)
    arch, (at8, at9, at18) = run_stream(admm)
    z0 = torch.tensor([[0.0, 1, 0], [0, 1, 0]])  # Π_S(α0)
    for state in (at8, at9):
        torch.testing.assert_close(state["z"], z0)
        assert float(state["u"].abs().sum()) == 0.0
    # step 10 (α = B): z = Π_S(B + 0) → op b on edge 0, op a on edge 1; u = B − z
    torch.testing.assert_close(at18["z"], torch.tensor([[0.0, 0, 1], [0, 1, 0]]))
    torch.testing.assert_close(at18["u"], torch.tensor([[0.2, 0.3, -0.65], [0.4, -0.55, 0.1]]))
    # B − z + u = [[.4, .6, −1.3], [.8, −1.1, .2]]: Σ² = 4.1
    assert float(admm.penalty(arch, 0.5)) == pytest.approx(0.05 * 4.1, rel=1e-6)


def test_admm_code_norm_is_per_cell_type_and_masks_pruned_ops() -> None:
    arch = two_cell_arch([[0.25, 0.5, 0.25], [0.2, 0.2, 0.6]], [[0.1, 0.3, 0.6], [0.05, 0.75, 0.2]])
    admm = Admm(rho=0.1)
    admm.penalty(arch, 0.0)  # z = raw α = the weights, u = 0: the penalty starts at 0
    admm.z = {"normal": torch.zeros(2, 3), "reduce": torch.ones(2, 3)}
    with torch.no_grad():
        arch.alive()["reduce"][1, 1] = False  # a pruned op counts for nothing
    normal = math.sqrt(0.25**2 * 2 + 0.5**2 + 0.2**2 * 2 + 0.6**2)
    reduce = math.sqrt(0.9**2 + 0.7**2 + 0.4**2 + 0.95**2 + 0.8**2)
    assert float(admm.penalty(arch, 0.0)) == pytest.approx(0.05 * (normal + reduce), rel=1e-6)


@pytest.mark.parametrize("cls,period", [(Admm, 2), (AdmmPaper, 3)])
def test_admm_waits_for_its_period(cls: type[Admm], period: int) -> None:
    arch = toy_arch(Crb(), [[0.25, 0.5, 0.25], [0.2, 0.2, 0.6]])
    admm = cls(every=3)
    admm.penalty(arch, 0.0)
    for _ in range(period - 1):
        admm.after_arch_step(arch)
    assert float(admm.u["normal"].abs().sum()) == 0.0
    admm.after_arch_step(arch)
    assert float(admm.u["normal"].abs().sum()) > 0.0


@pytest.mark.parametrize(
    "cls,kwargs",
    [
        (Proximity, {"rho": -1}),
        (Admm, {"rho": -0.1}),
        (Admm, {"every": 0}),
        (Admm, {"discount": 2}),
        (Admm, {"every": 1}),  # the code's period is every − 1
        (AdmmPaper, {"every": 0}),
        (AdmmPaper, {"discount": -0.1}),
    ],
)
def test_regularizers_reject_bad_values(cls, kwargs) -> None:
    with pytest.raises(ValueError, match="regularizer."):
        cls(**kwargs)


def test_uniform_kl_value_and_gradient_by_hand() -> None:
    """λ Σ θ log(θ |O|) on simplex weights; ∂/∂θ = λ (log(θ |O|) + 1)."""
    from darts_lab.arch.activation import Simplex
    from darts_lab.regularizer.uniform_kl import UniformKl

    arch = toy_arch(Simplex(), [[0.5, 0.25, 0.25], [1 / 3, 1 / 3, 1 / 3]])
    term = UniformKl(weight=0.01).penalty(arch, 0.7)
    kl = 0.5 * math.log(1.5) + 2 * 0.25 * math.log(0.75)  # the uniform edge contributes 0
    assert float(term) == pytest.approx(0.01 * kl, rel=1e-6)
    term.backward()
    by_hand = [
        [0.01 * (math.log(3 * t) + 1) for t in row] for row in ([0.5, 0.25, 0.25], [1 / 3] * 3)
    ]
    torch.testing.assert_close(arch.alphas["normal"].grad, torch.tensor(by_hand))
