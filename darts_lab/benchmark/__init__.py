"""Deprecated: the embedded benchmark is `darts_lab.embedded` (`python -m darts_lab.embedded`)."""
