#!/usr/bin/env bash
# A lower bound of 0.05 instead of 0.01 on the GP's lengthscales with an upper bound of 2 instead of 0.5 on its noise
# variance (SearchSettings.min_lengthscale, max_noise) on the noiseless suites: every validation task of the four
# suites and up to 95 train tasks per suite, on seeds from 30000 on, which no earlier comparison used, decided by the
# no-worse rule of pooled_decision.py; the noisy half of the rule fixed before the runs is
# VARIANT=lengthscale_bound benchmarks/noisy_objectives/noise_start.sh (benchmarks/noisy_objectives/README.md, "A
# lower bound on the lengthscales"). Extra arguments go to both runs (e.g. --suites, --max-tasks, --seeds).
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
RULE=no-worse exec benchmarks/search_settings/confirm.sh lengthscale_bound_confirm \
  --variant max_noise=0.5,min_lengthscale=0.01 --variant max_noise=2.0,min_lengthscale=0.05 --first-seed 30000 "$@"
