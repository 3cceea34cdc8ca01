#!/usr/bin/env bash
# PPO's learning rate: does the candidate policy move from its untrained start, and does moving help?
# Trains the candidate policy on prior/gp (the default's settings otherwise) at the given learning rate, then
# measures the final policy on the validation splits of four suites (first 16 tasks, 10 seeds, budget 50)
# beside plain EI and its untrained start (`ei_sampled`), sampling its candidate as the shipped default does,
# and how far it moved (benchmarks/what_ppo_adds/policy_shift.py). Validation splits only.
#
#   benchmarks/learning_rate/run.sh 0.003        # about 35 min of training and 15 of measuring on 2 cores
#
# Settings through the environment (a tiny run for tests): TIMESTEPS, TRAIN_ARGS (more
# rl_hpo.agents.candidate_training options), COMPARE_ARGS (more scripts/compare_search_settings.py options),
# SHIFT_ARGS (more policy_shift.py options), NAME (the run's folder name, default lr<LR>), OUT (raw results,
# default runs/learning_rate) and RECORD (the recorded copy, default benchmarks/learning_rate).
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
lr=${1:?usage: run.sh LEARNING_RATE}
name=${NAME:-lr$lr}
out=${OUT:-runs/learning_rate}/$name
record=${RECORD:-benchmarks/learning_rate}/$name
mkdir -p "$out" "$record"

python -m rl_hpo.agents.candidate_training --suites prior/gp --timesteps "${TIMESTEPS:-150000}" --eval-freq 25000 \
  --n-envs 8 --ei-temperature 5 --learning-rate "$lr" --no-progress ${TRAIN_ARGS:-} --out "$out/policy" \
  > "$out/train.log" 2>&1 || { tail -20 "$out/train.log" >&2; exit 1; }
python scripts/compare_search_settings.py --policy "$out/policy/final" --methods ei,ei_sampled,ppo \
  --variant deterministic=false ${COMPARE_ARGS:-} --out "$out/validation.json" > "$out/validation.txt"
python benchmarks/what_ppo_adds/policy_shift.py --policy "$out/policy/final" ${SHIFT_ARGS:-} > "$out/shift.txt"

cp "$out/policy"/{config.json,eval.csv} "$out"/{validation.txt,shift.txt} "$record/"
cat "$record/validation.txt" "$record/shift.txt"
