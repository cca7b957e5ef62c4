#!/bin/sh
# Reports two objectives and a constraint metric for x = $1: loss = x^2, cost = (x - 2)^2,
# over = x - 1.5 (feasible when x <= 1.5). An intermediate line first, then the final one.
awk -v x="$1" 'BEGIN {
  printf "{\"step\": 0, \"loss\": %.12f}\n", x * x + 1
  printf "{\"step\": 1, \"loss\": %.12f, \"cost\": %.12f, \"over\": %.12f}\n", x * x, (x - 2) ^ 2, x - 1.5
}' >&3
