#!/usr/bin/env bash
# A tenth of the decisions after the initial design evaluating a uniform point instead of the method's choice
# (SearchSettings.uniform_share=0.1) against none (the default): every validation task of the four suites and up to
# 95 train tasks per suite, on seeds from 10000 on, which no earlier comparison used, decided by the "better" rule
# of pooled_decision.py, fixed before the run (benchmarks/search_settings/README.md, "A share of uniform draws").
# Extra arguments go to both runs (e.g. --suites, --max-tasks, --seeds for a quick look).
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
exec benchmarks/search_settings/confirm.sh uniform_share_confirm \
  --variant uniform_share=0 --variant uniform_share=0.1 --first-seed 10000 "$@"
