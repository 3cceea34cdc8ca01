#!/usr/bin/env bash
# The policy trained by run.sh LR on the whole prior/gp validation split (64 functions), through rl-hpo bench
# (ranks, win rates, Wilcoxon tests), sampling its candidate as the shipped default does, beside its untrained
# start (`ei_sampled`) and plain EI: 10 seeds, budget 50. Validation split only.
#
#   benchmarks/learning_rate/bench_prior.sh 0.003    # -> learning_rate/prior_gp_validation_lr0.003/, ~4 min
#
# OUT and RECORD (environment) as in run.sh; the policy is $OUT/lr$LR/policy/final.
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
lr=${1:?usage: bench_prior.sh LEARNING_RATE}
out=${OUT:-runs/learning_rate}
record=${RECORD:-benchmarks/learning_rate}/prior_gp_validation_lr$lr
policy=$out/lr$lr/policy/final
# A copy of the trained policy that samples its candidate (training saves it picking the most likely one).
python - "$policy" <<'PY'
import sys
from pathlib import Path
from rl_hpo.agents.policy_file import Policy, load_policy
src = load_policy(sys.argv[1])  # checks the weights' hash
metadata = {**src.metadata, "defaults": {**src.defaults, "deterministic": False}}
Policy(src.network, metadata).save(Path(sys.argv[1]).with_name("final_sampled"))
PY
rl-hpo bench --suite prior/gp --split validation --methods ppo,ei_sampled,ei --policy "${policy}_sampled" \
  --budget "${BUDGET:-50}" --seeds "${SEEDS:-10}" --out "$out/prior_gp_validation_lr$lr" ${BENCH_ARGS:-}
mkdir -p "$record"
cp "$out/prior_gp_validation_lr$lr"/{report.md,summary.csv,run.json,bounds.json,*.png} "$record/"
