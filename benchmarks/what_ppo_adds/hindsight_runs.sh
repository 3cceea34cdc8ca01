#!/usr/bin/env bash
# Whole runs of the rules of hindsight_learning.py: each network fitted to every candidate's one-step hindsight
# gain, once on a suite's own train split and once on every other suite's (never the evaluated space), runs as
# a candidate policy on the suite's validation split beside plain EI and its untrained start (ei_sampled):
# the first 16 tasks, 10 seeds, budget 50 (scripts/compare_search_settings.py). Validation splits only.
#
#   benchmarks/what_ppo_adds/hindsight_runs.sh        # about 25 min on 2 cores
#   python benchmarks/what_ppo_adds/hindsight_runs_summary.py
#
# HINDSIGHT_ARGS pass to hindsight_learning.py and the options after the script name to
# compare_search_settings.py (a tiny run for tests); SUITES (comma-separated, with prior/gp), OUT (raw results,
# default runs/hindsight_runs) and RECORD (the recorded copy, default benchmarks/what_ppo_adds/hindsight_runs).
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
suites=${SUITES:-prior/gp,yahpo/lcbench,yahpo/rbv2_xgboost,synthetic/mixed}
out=${OUT:-runs/hindsight_runs}
record=${RECORD:-benchmarks/what_ppo_adds/hindsight_runs}
mkdir -p "$out" "$record"

# shellcheck disable=SC2086  # HINDSIGHT_ARGS is a list of options
python benchmarks/what_ppo_adds/hindsight_learning.py --suites "$suites" --save "$out/rules" ${HINDSIGHT_ARGS:-} \
  > "$out/hindsight_learning.txt"
for suite in ${suites//,/ }; do
  name=${suite//\//_}
  python scripts/compare_search_settings.py --methods ppo,ei_sampled,ei --variant n_initial=5 --suites "$suite" \
    --policy "$out/rules/without-$name" --out "$out/without-$name.json" "$@" > "$out/without-$name.txt"
  python scripts/compare_search_settings.py --methods ppo --variant n_initial=5 --suites "$suite" \
    --policy "$out/rules/own-$name" --out "$out/own-$name.json" "$@" > "$out/own-$name.txt"
done

cp "$out"/*.txt "$out"/*.json "$record/"
python benchmarks/what_ppo_adds/hindsight_runs_summary.py "$record"
