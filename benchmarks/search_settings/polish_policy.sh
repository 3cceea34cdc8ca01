#!/usr/bin/env bash
# The shipped general policy with polished candidates in its pool: off (0), the best 1 or 3 polished with
# 10 L-BFGS-B iterations, or 3 with 5 (SearchSettings.n_polish, polish_iterations). Validation splits (16
# tasks, 10 seeds) and the first 24 train tasks per suite (5 seeds), then the chosen variant against off on
# fresh seeds (validation seeds 10-19, train seeds 5-9), so that the choice is not the luck of its seeds.
# Extra arguments go to every run (e.g. --suites, --seeds, --max-tasks for a quick look).
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
out=${OUT:-benchmarks/search_settings}
mkdir -p "$out"
all=(--variant n_polish=0 --variant n_polish=1 --variant n_polish=3,polish_iterations=5 --variant n_polish=3)
chosen=(--variant n_polish=0 --variant n_polish=3,polish_iterations=5)
run() { local name=$1; shift; python scripts/compare_search_settings.py --methods ppo "$@" --out "$out/$name.json" | tee "$out/$name.txt"; }
run polish_policy_validation "${all[@]}" --seeds 10 --max-tasks 16 "$@"
run polish_policy_train "${all[@]}" --split train --seeds 5 --max-tasks 24 "$@"
run polish_policy_validation_fresh "${chosen[@]}" --seeds 10 --first-seed 10 --max-tasks 16 "$@"
run polish_policy_train_fresh "${chosen[@]}" --split train --seeds 5 --first-seed 5 --max-tasks 24 "$@"
