#!/bin/sh
# Reports three epochs of loss = x^2 + 1/epoch (x is $1), the last one final.
x=$1
echo $$ >> "$HPO_TRIAL_DIR/pids"
for e in 1 2 3; do
  awk -v x="$x" -v e="$e" 'BEGIN { printf "{\"epoch\": %d, \"loss\": %.10f}\n", e, x * x + 1 / e }' >&3
done
echo "trial $HPO_TRIAL done"
