#!/usr/bin/env bash
# The temperature of the policy's start: `ei_sampled` draws a candidate with probability proportional to
# EI^T (T = 5 is the untrained policy's), and plain `ei` takes the largest (T -> infinity). Measures T = 1, 2,
# 5, 10 and 20 and `ei` on the validation splits of lcbench, rbv2_xgboost, synthetic/mixed and prior/gp
# (first 16 tasks, 10 seeds, budget 50, the shipped default's candidate settings), beside random search.
# How much a better temperature could gain bounds what a policy that only rescales EI can learn. Validation
# splits only.
#
#   benchmarks/ei_temperature/run.sh        # about 10 min on 2 cores
#
# Options after the script name pass to scripts/compare_search_settings.py (a tiny run for tests); OUT (raw
# results, default runs/ei_temperature) and RECORD (the recorded copy, default benchmarks/ei_temperature).
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
out=${OUT:-runs/ei_temperature}
record=${RECORD:-benchmarks/ei_temperature}
mkdir -p "$out" "$record"

python scripts/compare_search_settings.py --methods ei_sampled --variant temperature=1 --variant temperature=2 \
  --variant temperature=5 --variant temperature=10 --variant temperature=20 --out "$out/sampled.json" "$@" \
  > "$out/sampled.txt"
python scripts/compare_search_settings.py --methods ei --variant n_initial=5 --out "$out/greedy.json" "$@" \
  > "$out/greedy.txt"

cp "$out"/{sampled.txt,greedy.txt,sampled.json,greedy.json} "$record/"
cat "$record/sampled.txt" "$record/greedy.txt"
