#!/usr/bin/env bash
# Polishing in coordinates divided by the GP's lengthscales (SearchSettings.polish_scale="lengthscales") against
# the cube's own (the default) on spaces of many parameters, for plain EI and the general policy, by the "better"
# rule of benchmarks/search_settings/pooled_decision.py, fixed before this ran
# (benchmarks/search_settings/README.md, "Polishing in the GP's own scale"): the tasks of initial_design_confirm.sh
# (the four rotated synthetic families at 40 and 56 parameters, prior/gp-40d and prior/gp-56d, up to 16 tasks per
# suite of the validation and the train split, 5 seeds each; the choice was explored at 20 and 50), on seeds from
# 12000 on. Extra arguments go to both runs (e.g. --suites, --max-tasks, --seeds for a quick look).
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
suites=synthetic/mixture-40d,synthetic/rosenbrock-40d,synthetic/levy-40d,synthetic/ackley-40d
suites+=,synthetic/mixture-56d,synthetic/rosenbrock-56d,synthetic/levy-56d,synthetic/ackley-56d,prior/gp-40d,prior/gp-56d
OUT=${OUT:-benchmarks/high_dimensions} exec benchmarks/search_settings/confirm.sh polish_scale_confirm \
  --methods ei,ppo --suites "$suites" --variant polish_scale=cube --variant polish_scale=lengthscales \
  --first-seed 12000 --max-tasks 16 --seeds 5 "$@"
