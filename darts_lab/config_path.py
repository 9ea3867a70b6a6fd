"""Where the Hydra configs are: one answer for the source tree and for an installed wheel.

In a checkout (and an editable install) they are conf/ at the repository root, beside the
darts_lab package; a wheel carries the same files as darts_lab/conf/ (setup.py maps conf/ into
the package). Every reader of the configs asks here: the entry points' `@hydra.main`, the
retraining presets (conf/eval/), the oracle registry (conf/oracle/).
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def conf_dir() -> Path:
    """The folder holding search.yaml, train.yaml and one folder per config group."""
    for candidate in (PACKAGE / "conf", PACKAGE.parent / "conf"):  # wheel, then checkout
        if (candidate / "search.yaml").is_file():
            return candidate
    raise FileNotFoundError(
        f"no Hydra configs (search.yaml) in {PACKAGE / 'conf'} or {PACKAGE.parent / 'conf'}: "
        "reinstall darts_lab (a wheel carries them as darts_lab/conf/)"
    )
