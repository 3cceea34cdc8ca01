#!/usr/bin/env bash
# Confirms or rejects coordinate search over integers alone when polishing (discrete=integers) for plain EI and the
# general policy, by the better rule of pooled_decision.py, fixed before this ran. discrete_confirm.sh rejected
# searching categories and integers together: it lowered the policy's regret on rbv2_xgboost validation (an
# integer with some 3,000 values) and raised it on synthetic/mixed (categories). An integer's values are ordered
# and the GP models them as smoothly as a numeric parameter, so searching them refines a candidate as the gradient
# steps do; a category is unordered and equally far from every other to the GP, so searching it jumps to the
# least explored one. The setting is adopted only if it lowers the pooled regret on the four suites (confirm.sh:
# every validation task, up to 95 train tasks per suite), on seeds from 600 on, which no earlier comparison used.
# Extra arguments go to both runs (e.g. --suites, --max-tasks, --seeds for a quick look).
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
exec benchmarks/search_settings/confirm.sh discrete_integers_confirm \
  --variant discrete=keep --variant discrete=integers --first-seed 600 "$@"
