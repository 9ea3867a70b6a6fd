"""`python -m darts_lab.benchmark build [--jobs N] [--out PATH] ...` (see build.py)."""

import sys

from darts_lab.benchmark.build import main

if __name__ == "__main__":
    if sys.argv[1:2] != ["build"]:
        print(
            "error: usage: python -m darts_lab.benchmark build [--jobs N] [--out PATH] "
            "[--limit N] [--ops OP ...] [--epochs N] [--seeds N ...]",
            file=sys.stderr,
        )
        sys.exit(2)
    main(sys.argv[2:])
