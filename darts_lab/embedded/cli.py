"""The command line of the embedded benchmark: `python -m darts_lab.embedded build|validate|proxies`
(build.py, validate.py, proxies.py). Bad options are one `error:` line and exit code 2."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from darts_lab.config import SEED_MAX, ConfigError
from darts_lab.embedded.build import build, finished_lines
from darts_lab.embedded.protocol import DATASETS, Protocol
from darts_lab.embedded.table import SHIPPED, load_table
from darts_lab.embedded.validate import report
from darts_lab.search_space.nb201 import NB201_OPS


class _Parser(argparse.ArgumentParser):
    """argparse, with its complaint as the one `error:` line darts_lab prints (exit 2)."""

    def error(self, message: str) -> NoReturn:
        raise ConfigError(f"{message} (see {self.prog} --help)")


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


_positive.__name__ = "positive integer"  # argparse names the expected type by the function


def _seed(text: str) -> int:
    value = int(text)
    if not 0 <= value <= SEED_MAX:
        raise ValueError(text)
    return value


_seed.__name__ = f"seed (0 to {SEED_MAX})"


def build_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=SHIPPED, help="the table file to write")
    parser.add_argument("--jobs", type=_positive, default=os.cpu_count() or 1)
    parser.add_argument("--limit", type=_positive, default=None, help="only the first N cells")
    parser.add_argument("--ops", nargs="+", default=None, help="op set (default: the protocol's)")
    parser.add_argument("--epochs", type=_positive, default=None)
    parser.add_argument("--seeds", type=_seed, nargs="+", default=None)
    parser.add_argument("--sample", type=_positive, default=None, help="N cells drawn (seeded)")
    for name in ("channels", "cells-per-stage", "batch-size", "image-size"):
        parser.add_argument(f"--{name}", type=_positive, default=None)
    parser.add_argument("--shift", type=int, choices=range(0, 5), default=None)
    parser.add_argument("--lr", type=float, default=None)
    parser.add_argument("--dtype", choices=("float32", "float64"), default=None)
    parser.add_argument("--dataset", choices=tuple(DATASETS), default=None)
    parser.add_argument("--train-images", type=_positive, default=None)
    parser.add_argument("--val-images", type=_positive, default=None)


def build_protocol(args: argparse.Namespace) -> Protocol:
    """The build's options, checked: the op set, seeds, the output path, a resumed build."""
    if args.ops is not None:
        if unknown := [op for op in args.ops if op not in NB201_OPS]:
            raise ConfigError(f"--ops: unknown op {unknown[0]!r}; allowed: {', '.join(NB201_OPS)}")
        if len(set(args.ops)) != len(args.ops):
            raise ConfigError(f"--ops {' '.join(args.ops)}: each op once")
    if args.seeds is not None and len(set(args.seeds)) != len(args.seeds):
        raise ConfigError(f"--seeds {' '.join(map(str, args.seeds))}: each seed once")
    if args.out.is_dir() or not args.out.parent.is_dir():
        raise ConfigError(f"--out {args.out}: give a file path in an existing directory")
    partial = args.out.with_suffix(".partial.jsonl")
    if partial.is_file():  # a resumed build: its earlier lines must be readable
        for number, line in enumerate(finished_lines(partial), 1):
            try:
                key, run = json.loads(line)
                run["seed"]
            except (ValueError, TypeError, KeyError):
                raise ConfigError(
                    f"{partial} line {number} is damaged: delete that line (or the file) and "
                    f"build again"
                ) from None
    if args.lr is not None and not 0 < args.lr < 10:
        raise ConfigError(f"--lr {args.lr}: give a learning rate in (0, 10)")
    if args.image_size is not None and args.image_size < 8:
        raise ConfigError(f"--image-size {args.image_size}: give 8 or more")
    options = ("ops", "epochs", "seeds", "channels", "cells_per_stage", "batch_size")
    options += ("image_size", "shift", "lr", "dtype", "dataset", "train_images", "val_images")
    changes = {
        k: tuple(v) if isinstance(v, list) else v
        for k in options
        if (v := getattr(args, k)) is not None
    }
    return Protocol(**changes)


def run_build(args: argparse.Namespace) -> None:
    protocol = build_protocol(args)
    table = build(args.out, protocol, args.jobs, args.limit, args.sample)
    print(f"{len(table.cells)} distinct cells × {len(protocol.seeds)} seeds → {args.out}")
    if len(protocol.seeds) > 1:  # does the architecture matter on this task?
        q = table.quality()
        print(
            f"test accuracy: best {100 * q['best']:.2f} %, median {100 * q['median']:.2f} %; "
            f"best − median = {q['gap_over_std']:.1f} × the median seed std; Kendall τ between "
            f"the first two seeds {q['kendall_tau']:.2f}"
        )


def validate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--table", type=Path, default=SHIPPED, help="the table to check")
    parser.add_argument(
        "--external",
        type=Path,
        default=None,
        help="AnalogNAS-Bench's data.anb (default: the installed analog-nasbench package's)",
    )


def run_validate(args: argparse.Namespace) -> None:
    table = load_table(args.table, option="--table", any_protocol=True)
    print("\n".join(report(table, args.external)))


def proxies_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--table", type=Path, default=SHIPPED, help="the table whose cells to score"
    )
    parser.add_argument("--out", type=Path, default=None, help="default: beside the table")
    parser.add_argument("--proxies", nargs="+", default=None, help="default: all of conf/proxy/")
    parser.add_argument("--seeds", type=_seed, nargs="+", default=None, help="default: the table's")
    parser.add_argument("--batch-size", type=_positive, default=None, help="default: the table's")
    parser.add_argument("--limit", type=_positive, default=None, help="only the first N cells")
    parser.add_argument("--external", type=Path, default=None, help="AnalogNAS-Bench's data.anb")


def run_proxies(args: argparse.Namespace) -> None:
    from darts_lab.data.analognas_bench import load_accuracies, shipped_table
    from darts_lab.embedded.proxies import SCORES, report, score_table
    from darts_lab.proxy.base import Proxy, proxy_options

    table = load_table(args.table, option="--table", any_protocol=True)
    names = args.proxies or list(proxy_options())
    for name in names:
        Proxy.load(name, option="--proxies")  # an unknown name: one line naming the options
    if len(set(names)) != len(names):
        raise ConfigError(f"--proxies {' '.join(names)}: each proxy once")
    seeds = args.seeds or list(table.protocol["seeds"])
    if len(set(seeds)) != len(seeds):
        raise ConfigError(f"--seeds {' '.join(map(str, seeds))}: each seed once")
    out = args.out or (SCORES if args.table == SHIPPED else args.table.with_name(
        f"{args.table.stem}_proxies.json"
    ))  # fmt: skip
    if out.is_dir() or not out.parent.is_dir():
        raise ConfigError(f"--out {out}: give a file path in an existing directory")
    external = args.external
    if external is None:
        try:
            external = shipped_table("--external")
        except ConfigError as e:
            print(f"CIFAR-10 columns left out: {e}")
    cifar10 = load_accuracies(external, option="--external") if external else None
    batch = args.batch_size or table.protocol["batch_size"]
    data = score_table(table, out, names, batch, seeds, args.limit)
    print(
        f"{len(data['cells'])} cells × {len(seeds)} initialisations × {len(names)} proxies → {out}"
    )
    print("\n".join(report(data, table, cifar10)))


def main(argv: Sequence[str] | None = None) -> None:
    parser = _Parser(
        prog="python -m darts_lab.embedded",
        description="The embedded benchmark: build its table, validate one against CIFAR-10, or "
        "score its cells with zero-cost proxies.",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, arguments, run, text in (
        ("build", build_arguments, run_build, "train every distinct cell with every seed"),
        ("validate", validate_arguments, run_validate, "a table's τ vs CIFAR-10 and its seeds"),
        ("proxies", proxies_arguments, run_proxies, "zero-cost proxies' τ vs the table, CIFAR-10"),
    ):
        command = commands.add_parser(name, help=text, description=text)
        arguments(command)
        command.set_defaults(run=run)
    try:
        args = parser.parse_args(argv)
        args.run(args)
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
