#!/usr/bin/env bash
# Drawing the random initial design's next point while the history's scores are all one value (ties=design) against
# proposing from a GP fitted to that constant (ties=search, the default) under penalty.sh's penalty of -1e20 for
# every configuration of normalized regret above 0.5, on seeds from 22000; writes
# penalty_ties_{validation,train}.{json,txt} and penalty_ties_decision.txt. The rule is in README.md ("A penalty
# most configurations share"); further options go to both runs.
#
#   benchmarks/heavy_tails/penalty_ties.sh        # about 15 minutes on 2 cores
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")"
NAME=penalty_ties FIRST_SEED=22000 VARIANTS="--variant ties=search --variant ties=design" exec ./penalty.sh "$@"
