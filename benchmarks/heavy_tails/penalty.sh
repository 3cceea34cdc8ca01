#!/usr/bin/env bash
# A huge penalty for failed configurations: every method is told -1e20 for each configuration of normalized regret
# above 0.5 (rl_hpo.tasks.penalized), the regret measured on the task's own scale. Plain EI and the shipped general
# policy with the outliers warp's depth at 20 (the default: the deepest an outlier lies, in log1p of reaches), 8
# and no cap (inf, as before the setting), beside Optuna's TPE, on the validation splits (first 16 tasks per suite,
# 10 seeds) and the first 24 train tasks per suite (5 seeds), seeds from 17000, the two splits side by side (one
# core each), then the pooled tests of benchmarks/search_settings/pooled_decision.py against depth 20. Writes
# penalty_{validation,train}.{json,txt} and penalty_decision.txt under OUT (default: this folder); further options
# go to both runs. NAME, FIRST_SEED and VARIANTS (the --variant options) set another comparison under the same
# penalty (penalty_distinct.sh).
#
#   benchmarks/heavy_tails/penalty.sh        # about 20 minutes on 2 cores
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
out=${OUT:-benchmarks/heavy_tails}
name=${NAME:-penalty}
read -r -a variants <<<"${VARIANTS:---variant outlier_depth=20 --variant outlier_depth=8 --variant outlier_depth=inf}"
mkdir -p "$out"
run() {
  local split=$1
  shift
  python scripts/compare_search_settings.py --penalty 1e20 --references tpe --first-seed "${FIRST_SEED:-17000}" \
    "${variants[@]}" "$@" --out "$out/${name}_$split.json" >"$out/${name}_$split.txt"
}
run validation --seeds 10 --max-tasks 16 "$@" &
validation=$!
run train --split train --seeds 5 --max-tasks 24 "$@"
wait "$validation"
cat "$out/${name}_validation.txt" "$out/${name}_train.txt"
python benchmarks/search_settings/pooled_decision.py "$out/${name}_validation.json" "$out/${name}_train.json" \
  | tee "$out/${name}_decision.txt"
