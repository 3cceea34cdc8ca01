#!/usr/bin/env bash
# The confirmation of input_warp_confirm.sh again, on seeds from 8000 on, which no earlier comparison used, after a
# defect found in the setting it confirmed: with the warp on, polishing could not move a coordinate off a face of
# the cube (the warp's slope was zero there). Same variants, same tasks, same "better" rule of pooled_decision.py,
# fixed before either run (benchmarks/search_settings/README.md, "Warped inputs"). Extra arguments go to both runs
# (e.g. --suites, --max-tasks, --seeds for a quick look).
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
exec benchmarks/search_settings/confirm.sh input_warp_reconfirm \
  --variant input_warp=none --variant input_warp=kumaraswamy --first-seed 8000 "$@"
