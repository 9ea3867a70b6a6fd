"""Retraining a derived architecture from scratch (the DARTS evaluation protocol)."""
