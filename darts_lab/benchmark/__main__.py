"""`python -m darts_lab.benchmark`: the old spelling of `python -m darts_lab.embedded` (one
release), with a one-line deprecation."""

import sys

from darts_lab.embedded.cli import main

if __name__ == "__main__":
    print("darts_lab.benchmark is deprecated: use python -m darts_lab.embedded", file=sys.stderr)
    main()
