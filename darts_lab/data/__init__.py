"""Search datamodules: digits (embedded), CIFAR-10, CIFAR-100."""
