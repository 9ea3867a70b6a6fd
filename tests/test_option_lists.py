"""Option lists are never typed twice: wherever the docs, the configs' comments or the code
enumerate a config group's options (`group=a|b|c`), the list is the whole of `conf/<group>/`; a
list in words (`group=a or b`, `group=a, b or c`, `group=a, b, c`) names a chosen few, each of
which exists there; and the benchmark CLI's `--dataset` choices are the protocol's registry."""

from __future__ import annotations

import re
from pathlib import Path

from darts_lab.embedded.protocol import DATASETS

ROOT = Path(__file__).resolve().parents[1]
GROUPS = sorted(p.name for p in (ROOT / "conf").iterdir() if p.is_dir())
ENUMERATION = re.compile(rf"\b({'|'.join(GROUPS)})=([a-z0-9_]+(?:\|[a-z0-9_]+)+)")
NAME = r"[a-z0-9_]+"
SEPARATOR = r",\s+or\s+|,\s+|\s+or\s+"
# `a or b`, `a, b or c` (an "or" closes it), or `a, b, c` (three or more: two is prose, "x=y, so")
IN_WORDS = re.compile(rf"\b({'|'.join(GROUPS)})=({NAME}(?:(?:{SEPARATOR})(?!{NAME}[=.]){NAME}\b)+)")
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


def unknown_in_words(paths: list[Path]) -> list[str]:
    """Each list in words whose names are not all options of conf/<group>/."""
    unknown = []
    for path in paths:
        for match in IN_WORDS.finditer(path.read_text()):
            group, text = match.group(1), match.group(2)
            items = re.split(SEPARATOR, text)
            if " or " not in f" {text} " and len(items) < 3:
                continue  # prose: "eval=digits, the preset ..."
            if missing := [i for i in items if i not in options(group)]:
                unknown.append(f"{path.name}: {group}={text} (not in conf/{group}/: {missing})")
    return unknown


def test_every_enumerated_option_list_is_the_whole_group() -> None:
    assert stale_lists(TEXTS) == [], "name the folder (conf/<group>/) instead of a list"


def test_every_option_named_in_a_list_in_words_exists() -> None:
    assert unknown_in_words(TEXTS) == []


def test_a_list_in_words_with_a_stale_name_is_found(tmp_path: Path) -> None:
    text = tmp_path / "page.md"
    text.write_text(
        "method=darts or gdaz; schedule=fimt, constant, alternate; eval=digits, the preset;"
        " dataset=ptb, tiny_corpus or wikitext"
    )
    assert unknown_in_words([text]) == [
        "page.md: method=darts or gdaz (not in conf/method/: ['gdaz'])",
        "page.md: dataset=ptb, tiny_corpus or wikitext (not in conf/dataset/: ['wikitext'])",
    ]


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
