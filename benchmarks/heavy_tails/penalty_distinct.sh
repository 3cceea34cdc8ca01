#!/usr/bin/env bash
# The outliers warp with the median of the distinct scores (warp=outliers-distinct) against the default
# (warp=outliers) under penalty.sh's penalty of -1e20 for every configuration of normalized regret above 0.5, on
# seeds from 20000; writes penalty_distinct_{validation,train}.{json,txt} and penalty_distinct_decision.txt. The
# rule is in README.md ("The distinct scores' median"); further options go to both runs.
#
#   benchmarks/heavy_tails/penalty_distinct.sh        # about 15 minutes on 2 cores
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")"
NAME=penalty_distinct FIRST_SEED=20000 VARIANTS="--variant warp=outliers --variant warp=outliers-distinct" \
  exec ./penalty.sh "$@"
