"""Tasks: what a batch is, how the supernet's output is scored, and which metric is logged."""
