#!/usr/bin/env bash
# Exploratory (validation splits, chooses nothing): plain EI with and without the GP's input warp
# (input_warp=kumaraswamy), beside TPE and random search, on the validation tasks of yahpo/lcbench and
# yahpo/rbv2_xgboost (10 seeds) twice: with every log-scaled parameter declared on a linear scale, as a user might
# by mistake (--linear-scale, rl_hpo.tasks.linear_scale), and as the suites declare them. Writes
# input_warp_linear_scale.{json,txt} and input_warp_as_declared.{json,txt} under OUT (default: this folder), the
# two runs side by side (one core each). Extra arguments go to both runs (e.g. --suites, --max-tasks, --seeds
# for a quick look).
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
out=${OUT:-benchmarks/search_settings}
mkdir -p "$out"
common=(--methods ei --suites yahpo/lcbench,yahpo/rbv2_xgboost --max-tasks 64 --seeds 10 --references tpe
  --variant input_warp=none --variant input_warp=kumaraswamy)
python scripts/compare_search_settings.py "${common[@]}" --linear-scale "$@" \
  --out "$out/input_warp_linear_scale.json" >"$out/input_warp_linear_scale.txt" &
linear=$!
python scripts/compare_search_settings.py "${common[@]}" "$@" \
  --out "$out/input_warp_as_declared.json" >"$out/input_warp_as_declared.txt"
wait "$linear"
cat "$out/input_warp_linear_scale.txt" "$out/input_warp_as_declared.txt"
