#!/usr/bin/env bash
# How many random points before the candidates take over: 5 (the shipped default), 8 or 10 (Optuna's TPE
# and GP start with 10), for plain EI and the shipped general policy on the validation splits
# (benchmarks/README.md: settings are chosen on validation, never on test). Every variant draws its points
# uniformly (initial_design=random, the default when the study was recorded) and so shares them with random
# search: a larger design is never behind random search before it ends; the study measures what that costs
# afterwards.
#
#   benchmarks/search_settings/initial_design.sh        # about 10 minutes on 2 cores
#
# Needs the YAHPO data folder (RL_HPO_YAHPO_DATA). Writes benchmarks/search_settings/initial_design.json (every
# mean curve and the budgets behind random search) and initial_design.txt (the printed table); OUT
# (environment) writes them elsewhere, and further options pass through to scripts/compare_search_settings.py
# (a tiny run for tests).
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
out=${OUT:-benchmarks/search_settings}
mkdir -p "$out"
python scripts/compare_search_settings.py --variant n_initial=5,initial_design=random \
  --variant n_initial=8,initial_design=random --variant n_initial=10,initial_design=random \
  --seeds 10 --max-tasks 16 --out "$out/initial_design.json" "$@" | tee "$out/initial_design.txt"
