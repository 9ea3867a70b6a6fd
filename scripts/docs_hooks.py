"""MkDocs hooks of the documentation site (mkdocs.yml `hooks:`).

- The figures the measurement scripts write next to their results (`FIGURES`) are served under
  `figures/` straight from where the scripts put them: nothing is copied into docs/, so a page
  never shows a stale copy of a regenerated figure.
- A repository path in inline code (`scripts/search_step.py`, `conf/experiment/`) that exists in
  the checkout becomes a link to that file on GitHub (mkdocs.yml `repo_url`). Code blocks,
  headings and code already inside a link are left alone.
- A name in a table may break after `_ . / = ,` and nowhere else (docs/stylesheets/extra.css
  keeps it whole otherwise): `w_optimizer.weight_decay=0.0243` wraps at its dots instead of
  pushing the table wider than the page or splitting `darts_es` as `darts_e|s`.
"""

from __future__ import annotations

import re
from pathlib import Path

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[1]

# served path under docs/ -> the file a script writes (repository-relative)
FIGURES = {
    # darts_lab.report (make regret), copied from multirun/regret with its report.md
    "figures/regret.png": "scripts/regret/report.png",
    "figures/regret_vs_seconds.png": "scripts/regret/regret_vs_seconds.png",
    "figures/candidates.png": "scripts/candidates/candidates.png",  # embedded_candidates.py
    # one DARTS-PT search (docs/selection.md "The selection's path, one seed")
    "figures/selection_path.png": "scripts/selection/darts_pt_seed3_oracle.png",
    "figures/selection_cell.png": "scripts/selection/darts_pt_seed3_cell.png",
}

FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
HEADING = re.compile(r"^\s{0,3}#{1,6}\s")
TABLE = re.compile(r"<table>.*?</table>", re.S)
TAG = re.compile(r"(<[^>]*>)")
CODE_BREAK = re.compile(r"([_/=,]|\.(?=[A-Za-z]))(?=\S)")
TEXT_BREAK = re.compile(r"(_)(?=\S)")
PATH = re.compile(r"(?<![\[`])`((?:scripts|darts_lab|conf|tests|docs)/[\w./-]*)`(?![\]`])")


def on_files(files: Files, config) -> Files:
    for served, source in FIGURES.items():
        path = ROOT / source
        if not path.is_file():  # --strict turns the missing image's warning into a failure
            continue
        files.append(File.generated(config, served, abs_src_path=str(path)))
    return files


def link_paths(markdown: str, blob: str) -> str:
    """`path` -> [`path`](blob/path) for the paths that exist, outside code blocks and headings."""

    def link(match: re.Match) -> str:
        path = match.group(1)
        target = ROOT / path.rstrip("/")
        if not path.rstrip("/") or not target.exists():
            return match.group(0)
        kind = "tree" if target.is_dir() else "blob"
        return f"[`{path}`]({blob.replace('/blob/', f'/{kind}/')}{path.rstrip('/')})"

    out, fence = [], None
    for line in markdown.split("\n"):
        match = FENCE.match(line)
        if fence is not None:
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = None
        elif match:
            fence = match.group(1)
        elif not HEADING.match(line):
            line = PATH.sub(link, line)
        out.append(line)
    return "\n".join(out)


def on_page_markdown(markdown: str, page, config, files) -> str:
    repo = (config.get("repo_url") or "").rstrip("/")
    if not repo.startswith("https://github.com/"):
        return markdown
    return link_paths(markdown, f"{repo}/blob/main/")


def table_breaks(html: str) -> str:
    """<wbr> inside every table: in inline code after `_ / = ,` and a `.` before a letter, in
    text after `_` (a method name such as gaea_darts_bilevel)."""

    def table(match: re.Match) -> str:
        out, in_code = [], False
        for part in TAG.split(match.group(0)):
            if part.startswith("<"):
                in_code = {"<code>": True, "</code>": False}.get(part, in_code)
            else:
                part = (CODE_BREAK if in_code else TEXT_BREAK).sub(r"\1<wbr>", part)
            out.append(part)
        return "".join(out)

    return TABLE.sub(table, html)


def on_page_content(html: str, page, config, files) -> str:
    return table_breaks(html)
