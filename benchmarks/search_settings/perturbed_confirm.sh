#!/usr/bin/env bash
# Confirms or rejects local moves that change 20 coordinates on average (n_perturbed=20, TuRBO's rule: each
# coordinate with probability min(1, 20 / d)) instead of 8, for plain EI and the general policy, by the better
# rule of pooled_decision.py, fixed before this ran. In spaces of at most 8 parameters both move every
# coordinate, so only larger spaces (prior/gp, rbv2_xgboost, part of synthetic/mixed) can differ. The lead:
# on four 20-dimensional synthetic families it was ahead of 8 at 25 and 50 on all four, by margins that were not
# significant (benchmarks/high_dimensions/search_variants.txt). Every validation task and up to 95 train tasks
# per suite (confirm.sh), on seeds from 1000 on, which no earlier comparison used. Extra arguments go to both
# runs (e.g. --suites, --max-tasks, --seeds for a quick look).
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
exec benchmarks/search_settings/confirm.sh perturbed_confirm \
  --variant n_perturbed=8 --variant n_perturbed=20 --first-seed 1000 "$@"
