#!/usr/bin/env bash
# The general policy's most likely candidate (deterministic=true) against its sampled one (the default) on spaces of
# more than 32 parameters, by the "better" rule of benchmarks/search_settings/pooled_decision.py, fixed before this
# ran (benchmarks/high_dimensions/README.md, "The most likely candidate beyond 32 parameters"): the four rotated
# synthetic families at 44 and 60 parameters and prior/gp-44d, prior/gp-60d (sizes no earlier study used; the
# choice was explored at 35, 50 and 64), up to 16 tasks per suite of the validation and the train split, 5 seeds
# each, on seeds from 13000 on. Extra arguments go to both runs (e.g. --suites, --max-tasks, --seeds for a quick
# look).
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
suites=synthetic/mixture-44d,synthetic/rosenbrock-44d,synthetic/levy-44d,synthetic/ackley-44d
suites+=,synthetic/mixture-60d,synthetic/rosenbrock-60d,synthetic/levy-60d,synthetic/ackley-60d,prior/gp-44d,prior/gp-60d
OUT=${OUT:-benchmarks/high_dimensions} exec benchmarks/search_settings/confirm.sh most_likely_many_confirm \
  --methods ppo --suites "$suites" --variant deterministic=false --variant deterministic=true \
  --first-seed 13000 --max-tasks 16 --seeds 5 "$@"
