#!/usr/bin/env bash
# Parallel trials: every run asks 4 trials before it is told any of them (rl-hpo bench --batch 4), as 4 workers
# running at once would take them (BATCH=Q in the environment: Q at a time, into <suite>_batchQ/). Plain expected
# improvement that believes its pending trials (ei, the default: the GP is conditioned on each as if it scored the
# GP's mean there) against the same method leaving them out of its GP (ei_unaware), the general policy trained on
# prior/gp (ppo with rl_hpo/data/policies/prior_gp, which believes them too), Optuna's TPE with its constant liar
# (as Optuna recommends for parallel runs), Optuna's GP (whose q-batch log EI integrates over the running trials'
# outcomes) and random search. 10 seeds (the protocol's least), budget 50, validation splits (another split: a
# folder <suite>_<split>).
#
#   benchmarks/parallel_trials/run.sh synthetic/mixed         # about 36 minutes of one core
#   benchmarks/parallel_trials/run.sh yahpo/rbv2_xgboost      # about 45 minutes of one core
#   benchmarks/parallel_trials/run.sh yahpo/lcbench           # about 21 minutes of one core
#   benchmarks/parallel_trials/run.sh synthetic/mixed train --methods ei,ei_unaware --seeds 5   # the rule's runs
#
#   BATCH=1 benchmarks/parallel_trials/run.sh yahpo/rbv2_xgboost --methods ei,ppo   # -> yahpo_rbv2_xgboost_batch1/
#
# Raw results go to runs/parallel_trials/<suite>/ (re-running resumes); the record to
# benchmarks/parallel_trials/<suite>/. RUNS and RECORD (environment) move them (a tiny run for tests).
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
source benchmarks/bench_study.sh
study_setup parallel_trials "$@"
batch=${BATCH:-4}
if [[ $batch != 4 ]]; then name+=_batch$batch; fi

rl-hpo bench --suite "$suite" --split "$split" --methods ei,ei_unaware,ppo,tpe_liar,gp,random \
  --plugins parallel_methods --policy rl_hpo/data/policies/prior_gp --batch "$batch" --budget 50 \
  --seeds 10 --out "$runs/$name" "${options[@]}"

study_record
