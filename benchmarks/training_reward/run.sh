#!/usr/bin/env bash
# Training reward A/B: the candidate policy trained on prior/gp with the default reward (`area`, the area
# under the best-so-far curve, gamma 0.98) and with `improvement` (each step's gain, gamma 1: the return is
# the final best's gain), same seed, steps and settings otherwise; each run's best policy is then measured
# with `ppo` on validation splits it never trained on, beside plain expected improvement (`ei`, the policy's
# starting rule) on the same tasks and seeds. Validation splits only: this chooses a training setting.
#
#   benchmarks/training_reward/run.sh          # the recorded study: 150k steps each, 10 seeds per task
#
# Settings through the environment (a tiny run for tests): TIMESTEPS, SEEDS, SUITES (comma-separated),
# TRAIN_ARGS (extra rl_hpo.agents.candidate_training options), BENCH_ARGS (extra rl-hpo bench options), OUT (raw results, default
# runs/training_reward) and RECORD (the recorded summaries, default benchmarks/training_reward).
# Needs the YAHPO data folder (RL_HPO_YAHPO_DATA) for yahpo suites.
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
timesteps=${TIMESTEPS:-150000}
seeds=${SEEDS:-10}
suites=${SUITES:-yahpo/lcbench,yahpo/rbv2_xgboost,synthetic/mixed}
out=${OUT:-runs/training_reward}
record=${RECORD:-benchmarks/training_reward}
mkdir -p "$out" "$record"

# Both trainings at once (each one process per environment; the two share the machine).
train() {  # train REWARD GAMMA
  python -m rl_hpo.agents.candidate_training --reward "$1" --gamma "$2" --timesteps "$timesteps" \
    --eval-freq 25000 --n-envs 8 --ei-temperature 5 --torch-threads 1 --no-progress ${TRAIN_ARGS:-} \
    --out "$out/$1" > "$out/$1.log" 2>&1
}
train area 0.98 & area=$!
train improvement 1.0 & improvement=$!
wait "$area" || { tail -20 "$out/area.log" >&2; exit 1; }
wait "$improvement" || { tail -20 "$out/improvement.log" >&2; exit 1; }

bench() {  # bench NAME SUITE METHOD [POLICY]
  local dest=$1/${2//\//_}
  rl-hpo bench --suite "$2" --split validation --methods "$3" ${4:+--policy "$4"} --budget 50 --seeds "$seeds" \
    ${BENCH_ARGS:-} --out "$out/$dest" > "$out/${dest//\//_}.log" 2>&1
  mkdir -p "$record/$dest"
  cp "$out/$dest"/{summary.csv,run.json,bounds.json} "$record/$dest/"
}
IFS=, read -ra suite_list <<< "$suites"
for suite in "${suite_list[@]}"; do
  bench ei "$suite" ei
  for reward in area improvement; do bench "$reward" "$suite" ppo "$out/$reward/best"; done
done
for reward in area improvement; do cp "$out/$reward"/{eval.csv,config.json} "$record/$reward/"; done
python benchmarks/training_reward/summarize.py "$record"
