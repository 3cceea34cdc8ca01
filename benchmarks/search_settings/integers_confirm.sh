#!/usr/bin/env bash
# Confirms or rejects snapping integer coordinates for the GP (integers=snap) for plain EI and the general policy,
# by the no-worse rule of pooled_decision.py, fixed before this ran: the setting mends a defect of the surrogate
# (the objective is constant inside an integer's cell of the cube, but the GP saw the raw coordinate, so two
# evaluations of the same integers at different coordinates looked like a slope or like noise, and expected
# improvement varied inside a cell; Optuna's GP and Garrido-Merchan & Hernandez-Lobato, Neurocomputing 2020,
# round integers before the kernel), so it is adopted unless it does harm on the four suites (confirm.sh: every
# validation task, up to 95 train tasks per suite), on seeds from 400 on, which no earlier comparison used. Extra
# arguments go to both runs (e.g. --suites, --max-tasks, --seeds for a quick look).
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
RULE=no-worse exec benchmarks/search_settings/confirm.sh integers_confirm \
  --variant integers=as-is --variant integers=snap --first-seed 400 "$@"
