#!/usr/bin/env bash
# What PPO adds: the general policy trained on prior/gp (rl_hpo/data/policies/prior_gp; it samples its candidate)
# beside its untrained start (`ei_sampled`: a candidate drawn with probability proportional to EI^5, what the
# policy's network does before any training) and plain expected improvement (`ei`: the candidate of largest
# EI), on the same tasks, seeds and candidates. 10 seeds per task, budget 50 (benchmarks/README.md).
# `ppo` against `ei_sampled` is what the training changed; `ei_sampled` against `ei` is what sampling does.
#
#   benchmarks/what_ppo_adds/run.sh yahpo/lcbench validation   # -> yahpo_lcbench_validation/
#   benchmarks/what_ppo_adds/run.sh yahpo/lcbench              # the test split
#   benchmarks/what_ppo_adds/run.sh yahpo/iaml_glmnet all      # a suite without a test split: every task
#
# Needs the YAHPO data folder (RL_HPO_YAHPO_DATA) for yahpo suites. Extra options after the split pass
# through to rl-hpo bench (e.g. --workers 2). Raw results go to runs/what_ppo_adds/<suite>[_<split>]/;
# re-running resumes an interrupted run. RUNS and RECORD (environment) move the raw results and the
# recorded copy elsewhere (a tiny run for tests). `python benchmarks/what_ppo_adds/summarize.py` prints the table.
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
source benchmarks/bench_study.sh
default_split=test
study_setup what_ppo_adds "$@"

rl-hpo bench --suite "$suite" --split "$split" --methods ppo,ei_sampled,ei \
  --policy rl_hpo/data/policies/prior_gp --budget 50 --seeds 10 --out "$runs/$name" "${options[@]}"

study_record
