"""Zero-cost (training-free) proxies: one score of an untrained network from one minibatch
(conf/proxy/, one module each; the interface is base.py)."""
