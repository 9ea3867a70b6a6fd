"""`python -m darts_lab.embedded build|validate ...` (see cli.py)."""

import sys

from darts_lab.embedded.cli import main

if __name__ == "__main__":
    main(sys.argv[1:])
