#!/usr/bin/env bash
# PPO in distribution: trained on the train datasets of one search space, does a policy that moves beat plain
# expected improvement on new datasets of that same space? Trains the candidate policy on SUITE's train
# split at learning rate LR (default 0.003, a rate at which PPO moves it; benchmarks/learning_rate), choosing
# nothing on the way (the final policy is measured), then measures it on every task of SUITE's validation
# split (10 seeds, budget 50), sampling its candidate as the shipped default does, beside plain EI and its
# untrained start (`ei_sampled`), and how far it moved (benchmarks/what_ppo_adds/policy_shift.py).
# Validation splits only.
#
#   benchmarks/space_specialists/run.sh yahpo/lcbench          # -> space_specialists/yahpo_lcbench_lr0.003/
#   benchmarks/space_specialists/run.sh yahpo/rbv2_xgboost 0.001
#
# Needs the YAHPO data folder (RL_HPO_YAHPO_DATA) for yahpo suites. Settings through the environment (a tiny
# run for tests): TIMESTEPS (default 100000), TRAIN_ARGS (more rl_hpo.agents.candidate_training options),
# COMPARE_ARGS (more scripts/compare_search_settings.py options), SHIFT_ARGS (more policy_shift.py options),
# OUT (raw results, default runs/space_specialists) and RECORD (the recorded copy, default
# benchmarks/space_specialists). The recorded copy: the training's config.json, eval.csv (its validations) and
# progress.csv (PPO's log: approximate KL and clip fraction of every update), validation.txt and shift.txt.
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
suite=${1:?usage: run.sh SUITE [LEARNING_RATE]}
lr=${2:-0.003}
name=${suite//\//_}_lr$lr
out=${OUT:-runs/space_specialists}/$name
record=${RECORD:-benchmarks/space_specialists}/$name
mkdir -p "$out" "$record"

python -m rl_hpo.agents.candidate_training --suites "$suite" --validation-suites "$suite" \
  --timesteps "${TIMESTEPS:-100000}" --eval-freq 25000 --n-envs 8 --ei-temperature 5 --learning-rate "$lr" \
  --no-progress ${TRAIN_ARGS:-} --out "$out/policy" > "$out/train.log" 2>&1 || { tail -20 "$out/train.log" >&2; exit 1; }
python scripts/compare_search_settings.py --policy "$out/policy/final" --methods ei,ei_sampled,ppo \
  --variant deterministic=false --suites "$suite" --max-tasks 1000 ${COMPARE_ARGS:-} \
  --out "$out/validation.json" > "$out/validation.txt"
python benchmarks/what_ppo_adds/policy_shift.py --policy "$out/policy/final" --suites "$suite" ${SHIFT_ARGS:-} \
  > "$out/shift.txt"

cp "$out/policy"/{config.json,eval.csv,progress.csv} "$out"/{validation.txt,shift.txt} "$record/"
cat "$record/validation.txt" "$record/shift.txt"
