"""Black-box baselines on an oracle's table (darts_lab/baseline/base.py; conf/baseline/)."""
