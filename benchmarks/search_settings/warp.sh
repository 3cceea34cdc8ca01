#!/usr/bin/env bash
# The in-episode GP's output warp (SearchSettings.warp): none (the default), yeo-johnson (a power transform
# fitted by maximum likelihood, as HEBO does) or copula (ranks to normal quantiles), for plain EI and the
# shipped general policy: on the validation splits (16 tasks per suite, 10 seeds) and, by cross-validation
# inside train, on the first 24 train tasks per suite (5 seeds). Each warp is paired with none (win rate,
# Wilcoxon p over tasks). Extra arguments go to both runs (e.g. --suites, --seeds, --max-tasks).
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
exec "$(dirname "$0")/both_splits.sh" warp --variant warp=none --variant warp=yeo-johnson --variant warp=copula "$@"
