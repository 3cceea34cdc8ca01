#!/usr/bin/env bash
# Confirms or rejects 10 initial points instead of 5 on search spaces of more than 32 parameters (beyond the
# training prior's 1 to 32), for plain EI and the general policy, by the "better" rule of
# benchmarks/search_settings/pooled_decision.py, fixed before this ran (README.md, "A rule for many
# parameters"): the four rotated synthetic families at 40 and 56 parameters and GP-prior functions of 40 and 56
# parameters (prior/gp-40d, prior/gp-56d), none of them used when the rule was chosen (35, 50 and 64 were), up
# to 16 tasks per suite of the validation and the train split, 5 seeds each, from 4000 on. Extra arguments
# go to both runs (e.g. --suites, --max-tasks, --seeds for a quick look).
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
suites=synthetic/mixture-40d,synthetic/rosenbrock-40d,synthetic/levy-40d,synthetic/ackley-40d
suites+=,synthetic/mixture-56d,synthetic/rosenbrock-56d,synthetic/levy-56d,synthetic/ackley-56d,prior/gp-40d,prior/gp-56d
OUT=${OUT:-benchmarks/high_dimensions} exec benchmarks/search_settings/confirm.sh initial_design_confirm \
  --methods ei,ppo --suites "$suites" --variant n_initial=5 --variant n_initial=10 --first-seed 4000 \
  --max-tasks 16 --seeds 5 "$@"
