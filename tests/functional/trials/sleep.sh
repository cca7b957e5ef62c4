#!/bin/sh
# Reports once, then sleeps past any reasonable timeout.
echo $$ >> "$HPO_TRIAL_DIR/pids"
echo '{"loss": 5}' >&3
exec sleep 60
