"""`python -m darts_lab.benchmark build|validate ...` (see cli.py)."""

import sys

from darts_lab.benchmark.cli import main

if __name__ == "__main__":
    main(sys.argv[1:])
