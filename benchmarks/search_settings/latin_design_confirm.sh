#!/usr/bin/env bash
# The confirmation of a Latin hypercube initial design (`initial_design="latin"`) against uniform draws from the
# shared design's stream (the default), for plain EI and the shipped general policy, decided by the rule written
# before the run (README.md in this folder, "A Latin hypercube initial design"): the pooled "better" rule of
# pooled_decision.py. Seeds from 31000, which no earlier comparison used. Extra arguments go to both runs (e.g.
# --suites, --max-tasks, --seeds).
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
exec benchmarks/search_settings/confirm.sh latin_design_confirm \
  --variant initial_design=random --variant initial_design=latin --first-seed 31000 "$@"
