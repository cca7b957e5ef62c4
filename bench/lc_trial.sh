#!/bin/sh
# bench/schedulers_wall.lua's trial program: the learning-curve workload of
# bench/schedulers.lua as a command. Loss at epoch e: L + (1 - L) exp(-e / tau), L and tau
# set by lr = $1 and width = $2; 10 ms per epoch; up to 27 epochs or $HPO_RESOURCE, resumed
# from $HPO_CHECKPOINT_DIR. The first trial to reach the target loss leaves ./reached, and
# every trial stops when it sees it (the harness then reads the stored reports).
lr=$1 width=$2 target=0.12
mkdir -p "$HPO_CHECKPOINT_DIR"
ckpt="$HPO_CHECKPOINT_DIR/epoch"
e=0
[ -f "$ckpt" ] && read -r e < "$ckpt"
end=${HPO_RESOURCE:-27}
while [ "$e" -lt "$end" ] && [ ! -f reached ]; do
  e=$((e + 1))
  sleep 0.01
  loss=$(awk -v lr="$lr" -v w="$width" -v e="$e" 'BEGIN {
    l = log(lr) / log(10); a = (l + 2.5) ^ 2; b = ((w - 192) / 256) ^ 2
    L = 0.1 + 0.5 * a + 0.8 * b; d = l + 3; if (d < 0) d = -d; tau = 2 + 6 * d / 2
    printf "%.9f", L + (1 - L) * exp(-e / tau) }')
  echo "$e" > "$ckpt"
  echo "{\"step\": $e, \"loss\": $loss}" >&3
  if awk -v x="$loss" -v t="$target" 'BEGIN { exit !(x <= t) }'; then touch reached; fi
done
