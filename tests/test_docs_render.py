"""The docs render as written: no list or table glued to the paragraph above it.

Python-Markdown (what MkDocs renders with) only starts a list or a table at the start of a block:
a `- item` or `| a | b |` line directly under a paragraph line is rendered as more text of that
paragraph. And it nests a list only 4 spaces in: a sub-item indented 2 becomes an outer item.
This scans docs/*.md and every file they include with `--8<--` snippets, as the site sees them
(a snippet's lines take its place), and names file:line of each such list item or table row.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\S")
TABLE_ROW = re.compile(r"^\s*\|")
FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
SNIPPET = re.compile(r'^\s*-{1,}8<-{1,}\s+"([^"]+)"\s*$')  # pymdownx.snippets' one-line form
NEW_BLOCK = re.compile(r"^\s*(?:#{1,6}\s|!!!|\?\?\?)")  # a heading or an admonition's first line

Line = tuple[str, int, str]  # (file, line number, text)


def snippet_path(spec: str, root: Path) -> Path | None:
    """The included file: `path`, or `path:section` / `path:start:end` (the file is the path)."""
    for candidate in (spec, spec.split(":", 1)[0]):
        path = root / candidate
        if path.is_file():
            return path
    return None


def expand(path: Path, root: Path = ROOT, depth: int = 0) -> list[Line]:
    """The file's lines with its snippets (outside code fences) replaced by their lines; snippet
    paths are relative to `root` (mkdocs.yml's snippets base_path)."""
    name = str(path.relative_to(root))
    out: list[Line] = []
    fence = None
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        match = FENCE.match(text)
        if match and (fence is None or match.group(1)[0] == fence[0]):
            fence = match.group(1) if fence is None else None
        snippet = SNIPPET.match(text)
        if snippet and fence is None and depth < 5:
            included = snippet_path(snippet.group(1), root)
            if included is not None:
                out.extend(expand(included, root, depth + 1))
                continue
        out.append((name, number, text))
    return out


def glued(lines: list[Line]) -> list[str]:
    """file:line of every list item or table row directly under a paragraph line."""
    problems = []
    block = None  # what the current block started as: "para", "list", "table", "other"
    fence = None
    for name, number, text in lines:
        match = FENCE.match(text)
        if fence is not None:
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = None
                block = None
            continue
        if match:
            fence = match.group(1)
            continue
        if not text.strip():
            block = None
            continue
        if NEW_BLOCK.match(text):
            block = None
            continue
        kind = "list" if LIST_ITEM.match(text) else "table" if TABLE_ROW.match(text) else "para"
        indent = len(text) - len(text.lstrip(" "))
        if kind == "list" and indent % 4:  # Python-Markdown nests a list 4 spaces in, no fewer
            problems.append(
                f"{name}:{number}: list item indented {indent} spaces, not a multiple of 4 "
                f"(rendered as an item of the outer list): {text.strip()}"
            )
        if block is None:
            block = kind
        elif block == "para" and kind != "para":
            what = "list item" if kind == "list" else "table row"
            problems.append(f"{name}:{number}: {what} glued to the paragraph above: {text.strip()}")
            block = kind
    return problems


def test_scanner_catches_a_glued_list_and_table(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "# Title\n"
        "- right after a heading is fine\n\n"
        "A paragraph:\n"
        "- glued item\n"
        "- next item is fine\n"
        "  lazy continuation\n"
        "- fine\n"
        "  - indented 2: flat\n"
        "    - indented 4: nested\n\n"
        "Text\n"
        "| a | b |\n"
        "|---|---|\n\n"
        "```\n"
        "text in a fence\n"
        "- not markdown\n"
        "```\n\n"
        "Text\n\n"
        "1. separated list\n"
        "2. fine\n\n"
        "**Bold lead-in**\n"
        "1. glued numbered item\n",
        encoding="utf-8",
    )
    problems = glued(
        [(str(page.name), n, t) for n, t in enumerate(page.read_text().splitlines(), 1)]
    )
    assert [p.split(": ")[0] for p in problems] == [
        "page.md:5",
        "page.md:9",
        "page.md:13",
        "page.md:27",
    ]


def test_scanner_follows_snippets(tmp_path):
    (tmp_path / "table.md").write_text("| a | b |\n|---|---|\n| 1 | 2 |\n")
    (tmp_path / "page.md").write_text('Some text\n--8<-- "table.md"\n\n--8<-- "table.md"\n')
    problems = glued(expand(tmp_path / "page.md", tmp_path))
    assert [p.split(": ")[0] for p in problems] == ["table.md:1"]


def test_docs_have_no_glued_lists_or_tables():
    problems = []
    for page in sorted((ROOT / "docs").glob("*.md")):
        problems += glued(expand(page))
    assert not problems, "add a blank line before these:\n" + "\n".join(problems)
