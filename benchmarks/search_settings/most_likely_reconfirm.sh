#!/usr/bin/env bash
# A second look at the general policy's choice on the benchmark suites: its most likely candidate
# (deterministic=true) against its sampled one (the default), by the "better" rule of pooled_decision.py with the
# pooled test at 50 at p below 0.025 (a second look at most_likely_confirm, fixed before this ran: README.md, "The
# policy's choice ... a second look"). Every validation task of the four suites and up to 95 train tasks per suite,
# 10 seeds on both splits (the first look ran 5 on train), on seeds from 15000 on. Extra arguments go to both runs
# (e.g. --suites, --max-tasks, --seeds for a quick look).
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
ADOPT_ALPHA=0.025 exec benchmarks/search_settings/confirm.sh most_likely_reconfirm \
  --methods ppo --variant deterministic=false --variant deterministic=true --first-seed 15000 --seeds 10 "$@"
