#!/usr/bin/env bash
# How often the in-episode GP re-estimates its hyperparameters once 12 points are known
# (SearchSettings.refit_every): every 4 evaluations (the default) or every one (as Optuna's GP does), for
# plain EI and the shipped general policy, on the validation splits (16 tasks per suite, 10 seeds) and the
# first 24 train tasks per suite (5 seeds), each paired with the default. Extra arguments go to both runs.
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
exec "$(dirname "$0")/both_splits.sh" refit --variant refit_every=4 --variant refit_every=1 "$@"
