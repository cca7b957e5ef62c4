#!/bin/sh
echo $$ >> "$HPO_TRIAL_DIR/pids"
echo '{"loss": 1}' >&3
echo "could not load the data set" >&2
exit 3
