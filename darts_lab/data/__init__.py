"""Search datamodules: digits (embedded), CIFAR-10/100, ImageNet16-120, ImageNet, image folders,
Penn TreeBank and the embedded corpus; split/: how a search divides its training images."""
