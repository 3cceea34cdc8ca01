#!/usr/bin/env bash
# Polishing in coordinates divided by the GP's lengthscales (SearchSettings.polish_scale="lengthscales") against
# the cube's own (the default): every validation task of the four suites and up to 95 train tasks per suite, on
# seeds from 11000 on, which no earlier comparison used, decided by the "no-worse" rule of pooled_decision.py,
# fixed before the run (benchmarks/search_settings/README.md, "Polishing in the GP's own scale"); the other half of
# the rule is benchmarks/high_dimensions/polish_scale_confirm.sh. Extra arguments go to both runs (e.g. --suites,
# --max-tasks, --seeds for a quick look).
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
RULE=no-worse exec benchmarks/search_settings/confirm.sh polish_scale_confirm \
  --variant polish_scale=cube --variant polish_scale=lengthscales --first-seed 11000 "$@"
