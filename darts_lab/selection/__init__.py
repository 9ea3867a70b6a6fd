"""The selection step (conf/selection/): how the final cell is read from the supernet."""
