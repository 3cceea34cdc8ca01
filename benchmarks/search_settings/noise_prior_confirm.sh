#!/usr/bin/env bash
# The GP's noise variance under a flat prior (the default) or BoTorch's Gamma(1.1, 0.05) (SearchSettings.noise_prior):
# every validation task of the four suites and up to 95 train tasks per suite, on seeds from 26000 on, which no
# earlier comparison used, decided by the "better" rule of pooled_decision.py, fixed before the run
# (benchmarks/search_settings/README.md, "A prior on the noise"). Extra arguments go to both runs (e.g. --suites,
# --max-tasks, --seeds for a quick look).
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
exec benchmarks/search_settings/confirm.sh noise_prior_confirm \
  --variant noise_prior=none --variant noise_prior=gamma --first-seed 26000 "$@"
