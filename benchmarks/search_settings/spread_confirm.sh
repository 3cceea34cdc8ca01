#!/usr/bin/env bash
# Confirms or rejects pooling the GP's lengthscales (lengthscale_spread=0.5: a normal prior of standard deviation
# 0.5 on each log lengthscale around their mean) for plain EI and the general policy, by the "better" rule of
# pooled_decision.py, fixed before this ran (confirm.sh: every validation task, up to 95 train tasks per suite),
# on seeds from 3000 on, which no earlier comparison used. The value 0.5 was chosen among standard deviations
# 0.32, 0.5, 0.71 and 1 on validation splits (the 20-parameter synthetic families with 5 seeds, the four suites
# with 3; benchmarks/high_dimensions/README.md). Extra arguments go to both runs (e.g. --suites, --max-tasks,
# --seeds for a quick look).
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
exec benchmarks/search_settings/confirm.sh spread_confirm \
  --variant lengthscale_spread=null --variant lengthscale_spread=0.5 --first-seed 3000 "$@"
