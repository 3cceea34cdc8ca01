#!/usr/bin/env bash
# Thirty polishing iterations (SearchSettings.polish_iterations=30) against the default 5 on spaces of more than 32
# parameters, for plain EI and the general policy (which takes its most likely candidate there), by the "better"
# rule of benchmarks/search_settings/pooled_decision.py, fixed before this ran (benchmarks/high_dimensions/README.md,
# "Thirty polishing iterations"): the tasks of most_likely_many_confirm.sh (the four rotated synthetic families at
# 44 and 60 parameters, prior/gp-44d and prior/gp-60d, up to 16 tasks per suite of the validation and the train
# split, 5 seeds each; the choice was explored at 35, 50 and 64), on seeds from 14000 on. Extra arguments go to both
# runs (e.g. --suites, --max-tasks, --seeds for a quick look).
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
suites=synthetic/mixture-44d,synthetic/rosenbrock-44d,synthetic/levy-44d,synthetic/ackley-44d
suites+=,synthetic/mixture-60d,synthetic/rosenbrock-60d,synthetic/levy-60d,synthetic/ackley-60d,prior/gp-44d,prior/gp-60d
OUT=${OUT:-benchmarks/high_dimensions} exec benchmarks/search_settings/confirm.sh polish_iterations_many_confirm \
  --methods ei,ppo --suites "$suites" --variant polish_iterations=5 --variant polish_iterations=30 \
  --first-seed 14000 --max-tasks 16 --seeds 5 "$@"
