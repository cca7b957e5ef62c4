#!/bin/sh
# Fails the first time it runs for a trial number's params, then succeeds (retries).
echo $$ >> "$HPO_TRIAL_DIR/pids"
mark="flaky-$1.mark"
if [ ! -e "$mark" ]; then
  touch "$mark"
  echo "transient failure" >&2
  exit 1
fi
echo "{\"loss\": $1}" >&3
