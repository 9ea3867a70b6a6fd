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


def test_channels_last_rule_and_loader_workers(monkeypatch) -> None:
    """perf.channels_last=auto: NHWC on CPU from 32×32 up, never on CUDA until measured there;
    dataset.num_workers=auto: none without CUDA, the cores but one (at most 8) with it."""
    import darts_lab.threads as threads
    from darts_lab.config import ConfigError
    from darts_lab.perf import channels_last, configure_backends

    assert channels_last("auto", 32, cuda=False) and channels_last("auto", 224, cuda=False)
    assert not channels_last("auto", 8, cuda=False) and not channels_last("auto", 32, cuda=True)
    assert channels_last(True, 8) and not channels_last(False, 224)
    with pytest.raises(ConfigError, match="perf.channels_last"):
        channels_last("yes", 32)
    assert configure_backends(True, cuda=False) is None  # on CPU nothing is switched
    assert not torch.are_deterministic_algorithms_enabled()
    with pytest.raises(ConfigError, match="perf.deterministic"):
        configure_backends("yes", cuda=False)
    monkeypatch.setattr(threads, "usable_cores", lambda: 16)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert threads.loader_workers("auto") == 0 and threads.loader_workers(3) == 3
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert threads.loader_workers("auto") == 8
    monkeypatch.setattr(threads, "usable_cores", lambda: 4)
    assert threads.loader_workers("auto") == 3
    with pytest.raises(ConfigError, match="num_workers"):
        threads.loader_workers(-1)


def test_pinning_follows_the_device(monkeypatch) -> None:
    """dataset.pin_memory=auto (the image presets): pinned only where CUDA is (issue #33)."""
    import darts_lab.threads as threads
    from darts_lab.config import ConfigError

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert threads.loader_pinning("auto") is False and threads.loader_pinning(True) is True
    assert make_cfg("dataset=cifar10").dataset.pin_memory == "auto"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert threads.loader_pinning("auto") is True and threads.loader_pinning(False) is False
    with pytest.raises(ConfigError, match="dataset.pin_memory must be true, false or auto"):
        threads.loader_pinning("yes")
