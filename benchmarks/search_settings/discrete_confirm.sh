#!/usr/bin/env bash
# Confirms or rejects coordinate search over discrete coordinates when polishing (discrete=search) for plain EI and
# the general policy, by the better rule of pooled_decision.py, fixed before this ran: polishing climbed expected
# improvement over numeric coordinates only, so a polished candidate kept its categories and (with integers
# snapped) its integers, and local moves change a category only at large radii; Optuna's mixed local search
# (optuna._gp.optim_mixed) searches those coordinates one at a time. The setting costs time at every decision, so
# it is adopted only if it lowers the pooled regret on the four suites (confirm.sh: every validation task, up to
# 95 train tasks per suite), on seeds from 500 on, which no earlier comparison used. Extra arguments go to both
# runs (e.g. --suites, --max-tasks, --seeds for a quick look).
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
exec benchmarks/search_settings/confirm.sh discrete_confirm \
  --variant discrete=keep --variant discrete=search --first-seed 500 "$@"
