"""Architecture optimizers are torch.optim.Optimizer objects over the Architecture's parameters.

DARTS's Adam and plain SGD are torch's own (conf/arch_optimizer/adam.yaml, sgd.yaml); GAEA's
exponentiated gradient lives here (eg.py, used with activation=simplex).
Being torch optimizers, their state is checkpointed by Lightning like any other.
"""
