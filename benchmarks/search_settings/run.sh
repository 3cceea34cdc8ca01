#!/usr/bin/env bash
# How candidate moves treat the edges of the search space: reflected back inside (as the shipped general
# policy was trained), clipped onto the edge, or either at random, for plain EI and the shipped general
# policy on the validation splits (benchmarks/README.md: settings are chosen on validation, never on test).
#
#   benchmarks/search_settings/run.sh        # about 25 minutes on 2 cores
#
# Needs the YAHPO data folder (RL_HPO_YAHPO_DATA). Writes benchmarks/search_settings/edges.json (every
# curve) and edges.txt (the printed table); OUT (environment) writes them elsewhere, and further options pass
# through to scripts/compare_search_settings.py (a tiny run for tests).
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
out=${OUT:-benchmarks/search_settings}
python scripts/compare_search_settings.py --variant edges=reflect --variant edges=clip --variant edges=both \
  --seeds 10 --max-tasks 16 --out "$out/edges.json" "$@" | tee "$out/edges.txt"
