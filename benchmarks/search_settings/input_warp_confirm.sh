#!/usr/bin/env bash
# Confirms or rejects warping the GP's numeric inputs (input_warp=kumaraswamy: each through a Kumaraswamy CDF whose
# shapes are fitted with the GP's other hyperparameters) for plain EI and the general policy, by the "better" rule
# of pooled_decision.py, fixed before this ran (confirm.sh: every validation task, up to 95 train tasks per suite),
# on seeds from 7000 on, which no earlier comparison used. Explored beforehand on validation splits only
# (benchmarks/search_settings/README.md, "Warped inputs"). Extra arguments go to both runs (e.g. --suites,
# --max-tasks, --seeds for a quick look).
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
exec benchmarks/search_settings/confirm.sh input_warp_confirm \
  --variant input_warp=none --variant input_warp=kumaraswamy --first-seed 7000 "$@"
