#!/usr/bin/env bash
# Confirms or rejects polishing (the best 3 candidates, 5 L-BFGS-B iterations) for plain EI and the general
# policy, by the rule of pooled_decision.py, fixed before this ran (confirm.sh: every validation task, up to 95
# train tasks per suite), on seeds from 100 on, which no earlier comparison used. Extra arguments go to both
# runs (e.g. --suites, --max-tasks, --seeds for a quick look).
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
exec benchmarks/search_settings/confirm.sh polish_confirm \
  --variant n_polish=0 --variant n_polish=3,polish_iterations=5 --first-seed 100 "$@"
