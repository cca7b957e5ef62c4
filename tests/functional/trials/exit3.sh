#!/bin/sh
echo '{"loss": 1}' >&3
echo "could not load the data set" >&2
exit 3
