"""`python -m darts_lab.benchmark build [--jobs N] [--out PATH] ...` (see build.py)."""

import sys

from darts_lab.benchmark.build import main

if __name__ == "__main__":
    if sys.argv[1:2] != ["build"]:
        sys.exit("usage: python -m darts_lab.benchmark build [--jobs N] [--out PATH] [--limit N]")
    main(sys.argv[2:])
