"""Search methods (conf/method/): DARTS, ERM, second order, GDAS; see base.py."""
