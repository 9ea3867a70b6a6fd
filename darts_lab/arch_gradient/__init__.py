"""α-gradient rules, used by the search methods (darts_lab/method/): first order
(first_order.py) or DARTS's unrolled second order (second_order.py). The optimizer step, the
regularizer and the logging stay in SearchModule.arch_step."""
