"""State that must follow the device: CUDA RNG states in search checkpoints (an empty list
without CUDA), ADMM's z and u moved with the module (a device-moving stub: any tensor map
Module._apply gets, as .to(device) passes)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from darts_lab.regularizer.admm import Admm
from darts_lab.search import run_search
from tests.conftest import make_cfg


def test_checkpoints_hold_the_cuda_rng_states(tmp_path: Path) -> None:
    run_search(make_cfg("trainer.limit_train_batches=2", "trainer.limit_val_batches=1"), tmp_path)
    ckpt = torch.load(tmp_path / "checkpoints" / "last.ckpt", weights_only=True)
    expected = torch.cuda.device_count() if torch.cuda.is_available() else 0
    assert len(ckpt["rng"]["cuda"]) == expected


def test_admm_state_moves_with_the_module() -> None:
    reg = Admm()
    reg.z = {"normal": torch.ones(2, 3)}
    reg.u = {"normal": torch.zeros(2, 3)}
    moved: list[torch.Size] = []

    def stub(t: torch.Tensor) -> torch.Tensor:  # stands in for .to("cuda")
        moved.append(t.shape)
        return t.to(torch.float64)

    reg._apply(stub)
    assert reg.z["normal"].dtype == reg.u["normal"].dtype == torch.float64
    assert moved == [torch.Size([2, 3])] * 2
    state = reg.get_extra_state()
    assert state["z"]["normal"].dtype == torch.float64


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_admm_state_follows_cuda() -> None:
    reg = Admm()
    reg.z, reg.u = {"normal": torch.ones(2, 3)}, {"normal": torch.zeros(2, 3)}
    reg.cuda()
    assert reg.z["normal"].is_cuda and reg.u["normal"].is_cuda
