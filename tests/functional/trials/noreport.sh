#!/bin/sh
echo $$ >> "$HPO_TRIAL_DIR/pids"
echo "training finished, but I forgot to report"
