#!/usr/bin/env bash
# Confirms or rejects the GP's outliers output warp (warp=outliers: scores far below the others pulled in on a
# log scale, rl_hpo.acquisition.gp._tame_outliers) for plain EI and the general policy, by the no-worse rule of
# pooled_decision.py: the warp mends a defect that the four suites hardly show (scores with a heavy bad tail,
# benchmarks/heavy_tails/), so here it only has to do no harm (confirm.sh: every validation task, up to 95 train
# tasks per suite), on seeds from 900 on, which no earlier comparison used. The rule, with the second condition
# of a gain where the tail is heavy, is in benchmarks/heavy_tails/README.md. Extra arguments go to both runs
# (e.g. --suites, --max-tasks, --seeds for a quick look).
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
RULE=no-worse exec benchmarks/search_settings/confirm.sh outliers_confirm \
  --variant warp=none --variant warp=outliers --first-seed 900 "$@"
