"""How a search divides its data into w-train and α-val (conf/dataset/split/): one small object
per rule, chosen by config. random (r/(r+1), DARTS / DARTS-PRIME), nb201 (the benchmark's rule
for the dataset), nb201_halves, nb201_xvalid (NAS-Bench-201) and subsample (PC-DARTS ImageNet)."""
