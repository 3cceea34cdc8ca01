#!/usr/bin/env bash
# A second look at the Latin hypercube initial design (`initial_design="latin"`) on fresh seeds (from 32000), by the
# rule written before it ran (README.md in this folder, "A Latin hypercube initial design", "A second look"): the
# pooled "early" rule of pooled_decision.py, its adopting test at p below 0.025 (0.05 split over the two looks).
# Extra arguments go to both runs (e.g. --suites, --max-tasks, --seeds).
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
RULE=early ADOPT_ALPHA=0.025 exec benchmarks/search_settings/confirm.sh latin_design_reconfirm \
  --variant initial_design=random --variant initial_design=latin --first-seed 32000 "$@"
