#!/usr/bin/env bash
# Confirms or rejects polishing (the best 3 candidates, 5 L-BFGS-B iterations) for plain EI and the general
# policy, by the rule of pooled_decision.py, fixed before this ran: every validation task of the four suites
# (10 seeds) and up to 95 train tasks per suite (5 seeds), on seeds from 100 on, which no earlier comparison
# used. The two splits run side by side (one core each). Extra arguments go to both runs (e.g. --suites,
# --max-tasks, --seeds for a quick look).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-benchmarks/search_settings}
mkdir -p "$out"
variants=(--variant n_polish=0 --variant n_polish=3,polish_iterations=5)
run() {
  local name=$1
  shift
  python scripts/compare_search_settings.py "${variants[@]}" --first-seed 100 "$@" --out "$out/$name.json" \
    >"$out/$name.txt"
}
run polish_confirm_validation --seeds 10 --max-tasks 64 "$@" &
validation=$!
run polish_confirm_train --split train --seeds 5 --max-tasks 95 "$@"
wait "$validation"
cat "$out/polish_confirm_validation.txt" "$out/polish_confirm_train.txt"
python benchmarks/search_settings/pooled_decision.py "$out/polish_confirm_validation.json" \
  "$out/polish_confirm_train.json" | tee "$out/polish_confirm_decision.txt"
