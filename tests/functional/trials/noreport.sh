#!/bin/sh
echo "training finished, but I forgot to report"
