"""How many CPU threads a search's torch ops use (`perf.threads`). On 2 cores, two processes
with 2 threads each made one search 110× slower, so the default never oversubscribes: it
keeps torch's own count (OMP_NUM_THREADS, else the cores) but divides the usable cores among
the jobs a joblib multirun runs at once. The embedded benchmark's overlay fixes it at 1, so a
search computes the same on every machine (with float64, README "Search quality on a CPU")."""

from __future__ import annotations

import os

import torch

from darts_lab.config import ConfigError


def usable_cores() -> int:
    """Cores this process may run on (its affinity mask, as containers and SLURM set it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def parallel_jobs() -> int:
    """Jobs of this Hydra multirun that run at once on this machine (joblib's n_jobs), else 1."""
    from hydra.core.hydra_config import HydraConfig

    if not HydraConfig.initialized():
        return 1
    launcher = HydraConfig.get().get("launcher") or {}
    n_jobs = launcher.get("n_jobs") if "joblib" in str(launcher.get("_target_", "")) else None
    return n_jobs if isinstance(n_jobs, int) and n_jobs > 0 else 1


def choose_threads(requested: int | None, cores: int, jobs: int, current: int) -> int:
    """`requested` if given; else torch's current count, capped at this job's share of cores."""
    if requested is not None:
        if requested < 1:
            raise ConfigError(f"perf.threads must be a positive integer or null, got {requested}")
        return requested
    return max(1, min(current, cores // jobs))


def set_threads(requested: int | None) -> int:
    threads = choose_threads(requested, usable_cores(), parallel_jobs(), torch.get_num_threads())
    torch.set_num_threads(threads)
    return threads


def current_threads() -> int:
    return torch.get_num_threads()


def loader_workers(choice: int | str) -> int:
    """DataLoader worker processes (`dataset.num_workers`). `auto`: none without CUDA (on CPU
    the step's threads use every core, and a worker would take one from them); with CUDA, one
    per core this job may use but one (the main process feeds the GPU), at most 8."""
    if choice == "auto":
        return min(8, usable_cores() - 1) if torch.cuda.is_available() else 0
    if not isinstance(choice, int) or choice < 0:
        raise ConfigError(f"dataset.num_workers must be an integer >= 0 or auto, got {choice!r}")
    return choice


def loader_pinning(choice: bool | str) -> bool:
    """Page-locked loader batches (`dataset.pin_memory`). `auto`: only where CUDA is, the one
    device that copies from pinned memory faster (on CPU torch warns and pins nothing)."""
    if choice == "auto":
        return torch.cuda.is_available()
    if not isinstance(choice, bool):
        raise ConfigError(f"dataset.pin_memory must be true, false or auto, got {choice!r}")
    return choice
