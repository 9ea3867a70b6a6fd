"""Loading files someone else may have written (checkpoints, benchmark files, dataset pickles)
without running code hidden in them.

A pickle can name any importable callable and have it called while loading. Every load here
admits only data: torch files go through `torch.load(weights_only=True)` (tensors, containers,
numbers, strings) plus an explicit, per-format allow-list; plain pickles through an unpickler that
resolves only the globals the caller lists. Anything else is refused in one line naming the file
and the first foreign global, before that global is ever imported or called.
"""

from __future__ import annotations

import codecs
import pickle
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from darts_lab.config import ConfigError

# numpy's array pickle: ndarray.__reduce__ names these (numpy >= 2 writes numpy._core, older
# files, e.g. the 2009 CIFAR batches, numpy.core); object arrays unpickle their items through the
# same restricted unpickler, so nothing else gets in.
_reconstruct = np._core.multiarray._reconstruct
NUMPY_ARRAYS: dict[tuple[str, str], Any] = {
    **{
        (m, "_reconstruct"): _reconstruct
        for m in ("numpy._core.multiarray", "numpy.core.multiarray")
    },
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): codecs.encode,  # bytes under pickle protocol 2 (str → latin-1 bytes)
}


class _Restricted(pickle.Unpickler):
    def __init__(self, file: Any, allowed: Mapping[tuple[str, str], Any], **kwargs: Any) -> None:
        super().__init__(file, **kwargs)
        self.allowed = allowed

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self.allowed:
            return self.allowed[(module, name)]
        raise pickle.UnpicklingError(f"Unsupported global: GLOBAL {module}.{name}")


def _refusal(path: Path, what: str, error: Exception, option: str | None) -> str:
    """One line on why a file that failed to load is refused: a foreign global, or damage."""
    where = f"{option}={path}" if option else str(path)
    found = re.search(r"GLOBAL ([\w.]+)", str(error))
    if found:
        return (
            f"{where} holds a pickled {found.group(1)}, which is code, not data: refusing to "
            f"load it (a genuine {what} holds only data; was the file changed by someone?)"
        )
    return f"{where} is not a readable {what}: truncated or another format ({_first_line(error)})"


def _first_line(error: BaseException) -> str:
    text = str(error)
    if "WeightsUnpickler error:" in text:  # torch's multi-paragraph refusal: keep its reason
        text = text.split("WeightsUnpickler error:", 1)[1]
        lines = [line for line in text.strip().splitlines() if line.strip()]
        return f"weights-only unpickler: {lines[0].strip() if lines else 'refused'}"
    lines = text.strip().splitlines()
    return f"{type(error).__name__}: {lines[0] if lines else ''}".rstrip(": ")


def load_pickle(
    path: str | Path,
    what: str,
    allowed: Mapping[tuple[str, str], Any] = NUMPY_ARRAYS,
    error: Callable[[str], Exception] = ConfigError,
    option: str | None = None,
    **kwargs: Any,
) -> Any:
    """Unpickle `path` admitting only the `allowed` globals ((module, name) → object).
    `kwargs` go to pickle.Unpickler (e.g. encoding="latin1" for Python-2 pickles); `option`, the
    command-line key that named the file, starts the error line."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            return _Restricted(f, allowed, **kwargs).load()
    except Exception as e:  # any failure to unpickle: a corrupt, foreign or hostile file
        raise error(_refusal(path, what, e, option)) from None


def load_torch(
    path: str | Path,
    what: str,
    safe_globals: Sequence[Any] = (),
    error: Callable[[str], Exception] = ConfigError,
    option: str | None = None,
) -> Any:
    """torch.load with weights_only=True (plus `safe_globals`), on the CPU; one-line errors."""
    path = Path(path)
    try:
        with torch.serialization.safe_globals(list(safe_globals)), warnings.catch_warnings():
            # its "Detected pickle protocol N" warning on foreign files: the refusal says it
            warnings.filterwarnings("ignore", "Detected pickle protocol", UserWarning)
            return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:
        raise error(_refusal(path, what, e, option)) from None
