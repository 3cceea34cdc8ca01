#!/usr/bin/env bash
# Confirms or rejects leaving configurations already evaluated out of the shortlist (repeats=avoid) for plain EI
# and the general policy, by the no-worse rule of pooled_decision.py, fixed before this ran: the setting mends a
# defect (on discrete spaces the GP's expected improvement at an evaluated point can stay above that of unseen
# ones, so runs re-evaluated configurations over and over, and in continuous spaces moves that reach a bound
# repeat too), so it is adopted unless it does harm on the four suites (confirm.sh: every validation task, up to
# 95 train tasks per suite), on seeds from 300 on, which no earlier comparison used. Extra arguments go to both
# runs (e.g. --suites, --max-tasks, --seeds for a quick look).
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
RULE=no-worse exec benchmarks/search_settings/confirm.sh repeats_confirm \
  --variant repeats=allow --variant repeats=avoid --first-seed 300 "$@"
