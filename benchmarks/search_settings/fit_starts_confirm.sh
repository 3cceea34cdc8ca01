#!/usr/bin/env bash
# Each fit of the GP's hyperparameters started from the previous fit alone (the default) or from the prior's mode
# too, keeping the better posterior (SearchSettings.fit_starts): every validation task of the four suites and up to
# 95 train tasks per suite, on seeds from 9000 on, which no earlier comparison used, decided by the "better" rule
# of pooled_decision.py, fixed before the run (benchmarks/search_settings/README.md, "Where a fit starts"). Extra
# arguments go to both runs (e.g. --suites, --max-tasks, --seeds for a quick look).
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
exec benchmarks/search_settings/confirm.sh fit_starts_confirm \
  --variant fit_starts=warm --variant fit_starts=warm+prior --first-seed 9000 "$@"
