#!/usr/bin/env bash
# Scores with a heavy bad tail: every method is told each score through the loss -expm1(K * regret), K = 10
# (rl_hpo.tasks.heavy_tail: a loss from 0 at a task's best score to e^10 - 1 at its worst), and the regret is
# measured on the task's own scale. Plain EI and the shipped general policy with the GP's output warp none
# (the default), outliers and half-rank, beside random search and Optuna's TPE, on the validation splits
# (first 16 tasks per suite, 10 seeds) and, by cross-validation inside train, the first 24 train tasks per
# suite (5 seeds), the two splits side by side (one core each), then the pooled tests of
# benchmarks/search_settings/pooled_decision.py against none. Writes heavy_tail_{validation,train}.{json,txt}
# and heavy_tail_decision.txt under OUT (default: this folder); further options go to both runs.
#
#   benchmarks/heavy_tails/run.sh        # about 20 minutes on 2 cores
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
out=${OUT:-benchmarks/heavy_tails}
mkdir -p "$out"
run() {
  local split=$1
  shift
  python scripts/compare_search_settings.py --heavy-tail 10 --references tpe \
    --variant warp=none --variant warp=outliers --variant warp=half-rank "$@" \
    --out "$out/heavy_tail_$split.json" >"$out/heavy_tail_$split.txt"
}
run validation --seeds 10 --max-tasks 16 "$@" &
validation=$!
run train --split train --seeds 5 --max-tasks 24 "$@"
wait "$validation"
cat "$out/heavy_tail_validation.txt" "$out/heavy_tail_train.txt"
python benchmarks/search_settings/pooled_decision.py "$out/heavy_tail_validation.json" "$out/heavy_tail_train.json" \
  | tee "$out/heavy_tail_decision.txt"
