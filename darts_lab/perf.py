"""Fast paths a search takes by default, each one measured or stated (docs/measurements.md), and the
switch back to bit-exact repeats (`perf.deterministic`).

On CUDA: cuDNN autotuning (a search's shapes never change, so the first steps' tuning pays for
the run) and TF32 for float32 matmuls and convolutions on Ampere and newer (torch's default for
convolutions; "high" matmul precision). TF32 rounds products to 10 mantissa bits, so a CUDA run
does not reproduce a CPU run's α bit for bit; `perf.deterministic=true` turns both off and asks
torch for deterministic algorithms, for runs that repeat exactly on one GPU. On CPU nothing is
switched: CPU results stay exactly what they were.

`perf.channels_last: auto` follows the measured rule of `channels_last`.
"""

from __future__ import annotations

import logging
import os
import platform
from pathlib import Path

import torch

from darts_lab.config import ConfigError

log = logging.getLogger("darts_lab.perf")

BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


def machine_id() -> str:
    """The machine (and boot) a time was measured on: its host name and boot id. Seconds from two
    machines are not comparable; make regret's report pools a row's seconds only under one id."""
    boot = BOOT_ID.read_text().strip()[:8] if BOOT_ID.is_file() else "unknown"
    return f"{platform.node()}/{boot}"


def configure_backends(deterministic: bool, cuda: bool | None = None) -> None:
    """Set torch's backend switches for this process; on CUDA, say which in the run log."""
    if not isinstance(deterministic, bool):
        raise ConfigError(f"perf.deterministic={deterministic!r} must be true or false")
    if cuda is None:
        cuda = torch.cuda.is_available()
    if not cuda:
        return
    if deterministic:  # cuBLAS needs its workspace fixed before its first call
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.backends.cudnn.benchmark = not deterministic
    torch.backends.cudnn.deterministic = deterministic
    torch.backends.cudnn.allow_tf32 = not deterministic
    torch.backends.cuda.matmul.allow_tf32 = not deterministic
    torch.use_deterministic_algorithms(deterministic)
    if deterministic:
        said = "deterministic: no TF32, no cuDNN autotuning, deterministic algorithms"
    else:
        said = "cuDNN autotuning, TF32 matmuls and convolutions (perf.deterministic=true: off)"
    log.info("backends: %s", said)


def channels_last(choice: bool | str, image_size: int | None, cuda: bool | None = None) -> bool:
    """NHWC or not. `auto`: on CPU at 32×32 and above, where it measured 0.43× the NCHW step at
    CIFAR size (8×8: no gain; docs/measurements.md). On CUDA it stays off until `make gpu-check` has
    measured it on a GPU (no GPU was available to this project when the rule was set)."""
    if isinstance(choice, bool):
        return choice
    if choice != "auto":
        raise ConfigError(f"perf.channels_last={choice!r} must be true, false or auto")
    if cuda is None:
        cuda = torch.cuda.is_available()
    return not cuda and (image_size or 0) >= 32
