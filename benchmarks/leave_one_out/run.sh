#!/usr/bin/env bash
# Leave one search space out: the candidate policy trained on the train splits of every suite but one, then measured
# on the suite it never saw (its validation split). It is made the way the shipped default is
# (scripts/train_default_policy.py: train, then choose best or final, most likely or sampled, on the training
# suites' validation splits and synthetic/mixed's) and measured beside plain expected improvement (`ei`), its
# sampled form (`ei_sampled`, the policy's untrained start) and the general policy trained on prior/gp only
# (rl_hpo/data/policies/prior_gp), all in one commit's runs on the same tasks and seeds. This is how the question
# "does training on real tables as well as on the prior help on a space never seen?" is answered, on validation
# splits only.
#
#   benchmarks/leave_one_out/run.sh yahpo/rbv2_xgboost   # two such runs side by side on 2 cores took 43 and 48
#                                                        # min of training (their eval.csv)
#
# Settings through the environment (a tiny run for tests): SUITES (every training suite, comma-separated; the
# held-out one is dropped from it), TIMESTEPS, SEEDS, SPLIT (of the held-out suite, default validation),
# TRAIN_ARGS (more rl_hpo.agents.candidate_training options), SELECT_ARGS (more train_default_policy.py
# options), BENCH_ARGS (more rl-hpo bench options), OUT (raw results, default runs/leave_one_out) and RECORD
# (the recorded copy, default benchmarks/leave_one_out). Needs the YAHPO data folder (RL_HPO_YAHPO_DATA).
# Re-running keeps a finished training (OUT/SUITE/policy/final) and continues the bench runs.
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
held_out=${1:?usage: run.sh SUITE}
all=${SUITES:-prior/gp,synthetic/mixed,yahpo/lcbench,yahpo/rbv2_xgboost,yahpo/iaml_glmnet}
split=${SPLIT:-validation}
name=${held_out//\//_}
out=${OUT:-runs/leave_one_out}/$name
record=${RECORD:-benchmarks/leave_one_out}/$name
IFS=, read -ra suite_list <<< "$all"
train=()
for suite in "${suite_list[@]}"; do [[ $suite == "$held_out" ]] || train+=("$suite"); done
if (( ${#train[@]} == ${#suite_list[@]} )); then echo "run.sh: $held_out is not among $all" >&2; exit 2; fi
suites=$(IFS=,; echo "${train[*]}")
mkdir -p "$out" "$record"

if [[ ! -f $out/policy/final/policy.json ]]; then  # re-running keeps a finished training
  python -m rl_hpo.agents.candidate_training --suites "$suites" --timesteps "${TIMESTEPS:-150000}" \
    --eval-freq 50000 --n-envs 8 --ei-temperature 5 --no-progress ${TRAIN_ARGS:-} --out "$out/policy" \
    > "$out/train.log" 2>&1 || { tail -20 "$out/train.log" >&2; exit 1; }
fi
python scripts/train_default_policy.py --skip-train --out "$out/policy" --install-to "$out/selected" \
  ${SELECT_ARGS:-} > "$out/select.log" 2>&1 || { tail -20 "$out/select.log" >&2; exit 1; }
bench() {
  rl-hpo bench --suite "$held_out" --split "$split" --budget 50 --seeds "${SEEDS:-10}" ${BENCH_ARGS:-} "$@"
}
bench --methods ppo,ei,ei_sampled --policy "$out/selected" --out "$out/bench"
bench --methods ppo --policy rl_hpo/data/policies/prior_gp --out "$out/default"

cp "$out/bench"/{report.md,summary.csv,run.json,bounds.json} "$record/"
cp "$out/policy"/{config.json,eval.csv,progress.csv} "$out/select.log" "$record/"
cp "$out/selected/policy.json" "$record/selected_policy.json"  # its metadata: the choice and its table
mkdir -p "$record/default"
cp "$out/default"/{report.md,summary.csv,run.json,bounds.json} "$record/default/"
python benchmarks/leave_one_out/summarize.py "${RECORD:-benchmarks/leave_one_out}"
