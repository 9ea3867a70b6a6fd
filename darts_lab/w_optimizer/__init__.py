"""How the supernet's weights w move (`w_optimizer=`, conf/w_optimizer/)."""
