"""α-gradient rules (conf/arch_gradient/): first order (first_order.py, the default) or DARTS's
unrolled second order (second_order.py); what they see is base.py's StepContext. The optimizer
step, the regularizer and the logging stay in SearchModule.arch_step."""
