"""The embedded NAS benchmark: every cell of a small NAS-Bench-201-topology space trained on
scikit-learn's digits, so a search's result can be scored on a CPU (`oracle=embedded`)."""
