#!/usr/bin/env bash
# Polishing the best candidates by gradient steps on expected improvement (SearchSettings.n_polish), off
# (0) or on (3), for plain EI and the shipped general policy: on the validation splits (16 tasks per suite,
# 10 seeds) and, by cross-validation inside train, on the first 24 train tasks per suite (5 seeds).
# Extra arguments go to both runs (e.g. --suites, --seeds, --max-tasks for a quick look).
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
exec "$(dirname "$0")/both_splits.sh" polish --variant n_polish=0 --variant n_polish=3 "$@"
