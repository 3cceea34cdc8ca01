#!/usr/bin/env bash
# Head to head on the lcbench test split (BENCHMARK_PROTOCOL.md): 6 datasets x 10 seeds, budget 50
# full-fidelity-equivalent evaluations, val_accuracy at epoch 52; every method, the shipped PPO policy.
#
# Needs the YAHPO data folder (RL_HPO_YAHPO_DATA, or pass --yahpo-data PATH). Extra options pass through
# (e.g. --workers 8, --executor ray); they do not change the results. Raw results (cells/, trials.csv)
# go to runs/lcbench_head_to_head/; re-running this script resumes an interrupted run.
set -euo pipefail
cd "$(dirname "$0")/../.."
study=lcbench_head_to_head

rl-hpo bench --suite yahpo/lcbench --split test \
  --methods ppo,portfolio,portfolio_ppo,tpe,gp,cmaes,random,hyperband,bohb --budget 50 --seeds 10 \
  --out "runs/$study" "$@"

# The recorded result: report, summary, plots, settings/provenance and the bounds behind every regret.
cp runs/$study/{report.md,summary.csv,run.json,bounds.json,*.png} "benchmarks/$study/"
