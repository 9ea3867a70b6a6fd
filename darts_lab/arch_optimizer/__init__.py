"""Architecture optimizers are torch.optim.Optimizer objects over the Architecture's parameters.

DARTS's Adam is torch's own (conf/arch_optimizer/adam.yaml); optimizers of our own live here.
Being torch optimizers, their state is checkpointed by Lightning like any other.
"""
