"""A run's identity: every resolved config key that changes what it computes (the seed, each
group's choice and values, data, split, budget), with the experiment and the supernet's op set,
hashed. It is written into every checkpoint and, once, into the run directory's `run.json`
(ours: Hydra rewrites `.hydra/` at every launch, so identity is never read from there).

`resume=`, `resume=auto` and a relaunch into a finished run refuse, in one line naming the first
key that differs, a checkpoint or a run directory of another run — before any compute is spent
and before any file is written. A received checkpoint is loaded safely first
(darts_lab/safe_load.py): tensors and plain data only.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

import lightning as L
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from darts_lab.config import ConfigError
from darts_lab.export.artifacts import write_json
from darts_lab.safe_load import load_torch

FORMAT = "darts_lab run identity 2"
KEY = "darts_lab"  # the checkpoint's top-level entry holding the identity
RECORD = "run.json"  # the run directory's record of its identity, written once

# Keys that do not change what a run computes, each with why (prefixes cover their subtrees).
NOT_IDENTITY = {
    "hydra": "Hydra's own settings (run dirs, launcher)",
    "data_dir": "a path: the same data may move",
    "oracle.table": "a path",
    "oracle.table_file": "a path",
    "oracle.data_file": "a path",
    "resume": "which checkpoint to continue, not what is computed",
    "logger": "where the metrics are sent",
    "figures": "drawn at the end from the run's files",
    "checkpoint": "how often the state is saved",
    "perf": "speed: threads, NHWC, compile, recomputation, kernel determinism",
    "task.channels_last": "speed (memory format)",
    "dataset.num_workers": "loading speed",
    "dataset.pin_memory": "loading speed",
    "trainer.accelerator": "a CPU checkpoint resumes on a GPU and back",
    "trainer.deterministic": "kernel choice (perf.deterministic's twin)",
    "trainer.enable_progress_bar": "console",
    "trainer.enable_model_summary": "console",
    "trainer.log_every_n_steps": "logging frequency",
    "then_train": "the retraining after the search (it records its own run)",
    "train_overrides": "the retraining after the search",
}


def _flat(node: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            out.update(_flat(value, f"{prefix}{key}."))
        return out
    return {prefix[:-1]: node}


def _kept(key: str) -> bool:
    return not any(key == p or key.startswith(f"{p}.") for p in NOT_IDENTITY)


def config_identity(cfg: DictConfig) -> dict[str, Any]:
    """The resolved config's keys that change the result, flattened (`a.b.c`: value)."""
    container = OmegaConf.to_container(cfg, resolve=True, throw_on_missing=False)
    return {k: v for k, v in _flat(container).items() if _kept(k)}


def fingerprint(cfg: DictConfig, ops: list[str], experiment: str) -> dict[str, Any]:
    """The identity of a run: its experiment, the supernet's op set and the config's keys."""
    values = config_identity(cfg)
    # the first difference named is the most telling: another experiment, method or space
    # before another op set, before another number
    choices = {k: v for k, v in values.items() if k.endswith("._target_")}
    config = {"experiment": experiment, **choices, "ops": list(ops), **values}
    digest = hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()
    return {"format": FORMAT, "hash": digest, "config": config}


def first_difference(theirs: dict[str, Any], ours: dict[str, Any]) -> str | None:
    """'key=X there, Y here' for the first key (in our config's order) that differs, with how
    many more do; None when the two configs are the same run."""
    keys = list(ours) + [k for k in theirs if k not in ours]
    missing = object()
    differ = [k for k in keys if theirs.get(k, missing) != ours.get(k, missing)]
    if not differ:
        return None
    key = differ[0]
    there, here = (repr(d[key]) if key in d else "(absent)" for d in (theirs, ours))
    more = f" (and {len(differ) - 1} more key(s))" if len(differ) > 1 else ""
    # a group's choice reads as the option it is: `method=...`, not `method._target_=...`
    return f"{key.removesuffix('._target_')}={there} there, {here} here{more}"


class Fingerprint(L.Callback):
    """Writes the run's identity into every checkpoint Lightning saves."""

    def __init__(self, identity: dict[str, Any]) -> None:
        self.identity = identity

    def on_save_checkpoint(
        self, trainer: L.Trainer, module: L.LightningModule, checkpoint: dict
    ) -> None:
        checkpoint[KEY] = self.identity


def check_resume(path: str | Path, identity: dict[str, Any]) -> None:
    """Refuse, in one line, a `resume=` file that is not a safe darts_lab checkpoint of the run
    described by `identity`."""
    checkpoint = load_torch(path, "darts_lab search checkpoint", option="resume")
    if not isinstance(checkpoint, dict) or "state_dict" not in checkpoint:
        raise ConfigError(f"resume={path}: not a Lightning checkpoint (no state_dict in it)")
    theirs = checkpoint.get(KEY)
    if not isinstance(theirs, dict) or theirs.get("format") != FORMAT:
        raise ConfigError(
            f"resume={path}: a Lightning checkpoint, but not of a darts_lab search (no "
            f"'{FORMAT}' fingerprint; checkpoints of earlier darts_lab versions lack it)"
        )
    if theirs.get("hash") != identity["hash"]:
        differ = first_difference(theirs.get("config") or {}, identity["config"])
        raise ConfigError(
            f"resume={path} is a checkpoint of another run: {differ} (resume with the options "
            f"it was written with, or start a new run directory)"
        )


def read_record(run_dir: Path) -> dict[str, Any] | None:
    """The run directory's `run.json`, or None where there is none; a damaged one is a
    one-line ConfigError."""
    path = Path(run_dir) / RECORD
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError, OSError) as e:
        raise ConfigError(f"{path} is damaged ({type(e).__name__}); it records the run") from None
    if not isinstance(record, dict) or not isinstance(record.get("config"), dict):
        raise ConfigError(f"{path} is damaged: no config in it")
    return record


def check_record(run_dir: Path, identity: dict[str, Any]) -> None:
    """Refuse to start, resume or call finished a run in a directory that records another."""
    record = read_record(run_dir)
    if record is not None and record.get("hash") != identity["hash"]:
        differ = first_difference(record["config"], identity["config"])
        raise ConfigError(
            f"{run_dir} holds another run ({RECORD}): {differ}; nothing was changed there "
            f"(relaunch it with its own options, or choose another directory)"
        )


def run_record(run_dir: Path, identity: dict[str, Any]) -> dict[str, Any]:
    """What `run.json` holds (or will hold, once the run starts): the identity, the overrides
    the run was launched with and a run id (the W&B run a resumed run continues)."""
    if existing := read_record(run_dir):
        return existing
    overrides = list(HydraConfig.get().overrides.task) if HydraConfig.initialized() else []
    return {**identity, "run_id": uuid.uuid4().hex[:12], "overrides": overrides}


def write_record(run_dir: Path, record: dict[str, Any]) -> None:
    """`run.json`, once: a resumed or relaunched run leaves it as its first start wrote it."""
    if not (Path(run_dir) / RECORD).is_file():
        write_json(Path(run_dir) / RECORD, record)
