#!/usr/bin/env bash
# An upper bound of 2 instead of 0.5 on the GP's noise variance (SearchSettings.max_noise) on the noiseless suites:
# every validation task of the four suites and up to 95 train tasks per suite, on seeds from 29000 on, which no
# earlier comparison used, decided by the no-worse rule of pooled_decision.py; the noisy half of the rule fixed
# before the runs is VARIANT=noise_bound benchmarks/noisy_objectives/noise_start.sh (benchmarks/noisy_objectives/
# README.md, "An upper bound on the noise"). Extra arguments go to both runs (e.g. --suites, --max-tasks, --seeds).
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
RULE=no-worse exec benchmarks/search_settings/confirm.sh noise_bound_confirm \
  --variant max_noise=0.5 --variant max_noise=2.0 --first-seed 29000 "$@"
