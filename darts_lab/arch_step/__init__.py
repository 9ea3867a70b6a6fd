"""α-gradient rules: how the α-step's gradient is computed (first order now; DARTS's unrolled
second order plugs in here). The optimizer step, the regularizer and the logging stay in
SearchModule.arch_step."""
