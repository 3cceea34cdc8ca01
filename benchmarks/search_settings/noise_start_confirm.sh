#!/usr/bin/env bash
# A second start with noise for the GP's fits (SearchSettings.fit_starts "warm" or "warm+noise") on the noiseless
# suites: every validation task of the four suites and up to 95 train tasks per suite, on seeds from 28000 on, which
# no earlier comparison used, decided by the no-worse rule of pooled_decision.py; the noisy half of the rule fixed
# before the runs is benchmarks/noisy_objectives/noise_start.sh (benchmarks/noisy_objectives/README.md, "A second
# start with noise"). Extra arguments go to both runs (e.g. --suites, --max-tasks, --seeds for a quick look).
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
RULE=no-worse exec benchmarks/search_settings/confirm.sh noise_start_confirm \
  --variant fit_starts=warm --variant fit_starts=warm+noise --first-seed 28000 "$@"
