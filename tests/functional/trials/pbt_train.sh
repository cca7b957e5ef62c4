#!/bin/sh
# A training run that checkpoints: state "step w" in $HPO_CHECKPOINT_DIR/state. Each step
# multiplies w by 1 - 0.3 exp(-(log10(lr) + 2)^2) (fastest at lr = 0.01) and reports
# {"step", "loss": w}, up to step $HPO_RESOURCE (12 without it). A run that finds a checkpoint
# (PBT copied a donor's, ASHA promoted a paused trial) continues from it.
lr=$1
mkdir -p "$HPO_CHECKPOINT_DIR"
state="$HPO_CHECKPOINT_DIR/state"
if [ -f "$state" ]; then read -r step w < "$state"; else step=0; w=1; fi
# A checkpoint of a finished run (PBT copied a donor that ended meanwhile): report it as is.
end=${HPO_RESOURCE:-12}
[ "$step" -ge "$end" ] && echo "{\"step\": $step, \"loss\": $w}" >&3
while [ "$step" -lt "$end" ]; do
  step=$((step + 1))
  w=$(awk -v w="$w" -v lr="$lr" 'BEGIN { l = log(lr) / log(10) + 2; printf "%.12f", w * (1 - 0.3 * exp(-l * l)) }')
  echo "$step $w" > "$state.tmp" && mv "$state.tmp" "$state"
  echo "{\"step\": $step, \"loss\": $w}" >&3
  sleep 0.05
done
