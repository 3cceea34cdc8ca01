#!/usr/bin/env bash
# Confirms or rejects choosing between free and pooled lengthscales by their prequential log likelihood
# (lengthscale_spread=0.5,lengthscale_choice=prequential: a free and a pooled GP fit side by side, predicting with
# the one whose predictions of each new point, made before it was evaluated, were better so far) for plain EI
# and the general policy, by the "better" rule of pooled_decision.py, fixed before this ran (confirm.sh: every
# validation task, up to 95 train tasks per suite), on seeds from 6000 on, which no earlier comparison used.
# Explored beforehand on validation splits only (benchmarks/search_settings/README.md, "Free or pooled
# lengthscales, chosen as the points come"). Extra arguments go to both runs (e.g. --suites, --max-tasks,
# --seeds for a quick look).
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
exec benchmarks/search_settings/confirm.sh prequential_confirm \
  --variant lengthscale_spread=null --variant lengthscale_spread=0.5,lengthscale_choice=prequential \
  --first-seed 6000 "$@"
