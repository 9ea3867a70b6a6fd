"""Option lists are never typed twice: wherever the docs, the configs' comments or the code
enumerate a config group's options (`group=a|b|c`), the list is the whole of `conf/<group>/`,
and the benchmark CLI's `--dataset` choices are the protocol's registry."""

from __future__ import annotations

import re
from pathlib import Path

from darts_lab.embedded.protocol import DATASETS

ROOT = Path(__file__).resolve().parents[1]
GROUPS = sorted(p.name for p in (ROOT / "conf").iterdir() if p.is_dir())
ENUMERATION = re.compile(rf"\b({'|'.join(GROUPS)})=([a-z0-9_]+(?:\|[a-z0-9_]+)+)")
TEXTS = [
    ROOT / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
    *sorted((ROOT / "conf").rglob("*.yaml")),
    *sorted((ROOT / "darts_lab").rglob("*.py")),
]


def options(group: str) -> set[str]:
    return {p.stem for p in (ROOT / "conf" / group).glob("*.yaml")}


def stale_lists(paths: list[Path]) -> list[str]:
    """Each `group=a|b|...` in these files whose options are not exactly conf/<group>/'s."""
    stale = []
    for path in paths:
        for match in ENUMERATION.finditer(path.read_text()):
            group, listed = match.group(1), set(match.group(2).split("|"))
            if listed != options(group):
                stale.append(
                    f"{path.name}: {match.group(0)} (conf/{group}/: {sorted(options(group))})"
                )
    return stale


def test_every_enumerated_option_list_is_the_whole_group() -> None:
    assert stale_lists(TEXTS) == [], "name the folder (conf/<group>/) instead of a list"


def test_a_stale_list_is_found(tmp_path: Path) -> None:
    text = tmp_path / "page.md"
    text.write_text("run with method=darts|gdas, or logger=csv|none|wandb")
    assert stale_lists([text]) == [
        f"page.md: method=darts|gdas (conf/method/: {sorted(options('method'))})"
    ]


def test_the_benchmark_cli_dataset_choices_are_the_registry() -> None:
    text = (ROOT / "docs" / "embedded.md").read_text()
    (choices,) = re.findall(r"--dataset ([a-z_|]+)", text)
    assert set(choices.split("|")) == set(DATASETS)
