#!/usr/bin/env bash
# How long the shipped default policy takes to make with the current code: its own training command (read
# from `training.command` in rl_hpo/data/policies/default/policy.json, so it cannot drift from what shipped)
# into runs/training_time/, then the selection step of scripts/train_default_policy.py on that run, without
# installing anything. Writes the wall time of each step, the machine's cores and load, and the run's
# config.json and eval.csv (validation during training) to RECORD (default: benchmarks/training_time).
#
#   benchmarks/training_time/run.sh [training options]      # e.g. --timesteps 50000 for a shorter look
#
# The scikit-learn tables of the training suites are built inside the run, into an empty cache under the run's
# folder, as on a fresh machine; RL_HPO_CACHE (environment) names a cache to use instead, whose tables are then
# found rather than built (time.txt counts the tables there before the run).
#
# SELECT_OPTIONS (environment) passes options to the selection step and SUITES (comma-separated) replaces the
# command's training suites (a tiny run for tests); RUNS and RECORD move the raw run and the recorded copy elsewhere.
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
runs=${RUNS:-runs}/training_time record=${RECORD:-benchmarks/training_time}
command=$(
  python - <<'EOF'
import json
import os
import shlex

command = json.load(open("rl_hpo/data/policies/default/policy.json"))["training"]["command"]
if os.environ.get("SUITES"):  # other training suites in place of the shipped ones (a repeated --suites adds to them)
    words = shlex.split(command)
    words[words.index("--suites") + 1] = os.environ["SUITES"]
    command = shlex.join(words)
print(command)
EOF
)
rm -rf "$runs"
mkdir -p "$runs" "$record"
export RL_HPO_CACHE=${RL_HPO_CACHE:-$runs/cache}
mkdir -p "$RL_HPO_CACHE"
tables_before=$(find "$RL_HPO_CACHE" -name '*.npz' | wc -l)
start=$(date +%s)
eval "$command --out \"\$runs\" \"\$@\""
trained=$(date +%s)
# shellcheck disable=SC2086  # SELECT_OPTIONS is a list of options
python scripts/train_default_policy.py --out "$runs" --skip-train --no-install ${SELECT_OPTIONS:-} | tee "$runs/selection.txt"
selected=$(date +%s)
cp "$runs"/{config.json,eval.csv,selection.txt} "$record/"
{
  echo "commit: $(git rev-parse HEAD)$(git diff --quiet HEAD -- . ':!benchmarks/training_time' || echo ' (modified)')"
  echo "training command: $command --out $runs${*:+ $*}"
  echo "cores: $(nproc --all); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "scikit-learn table cache: $RL_HPO_CACHE ($tables_before tables there before the run)"
  echo "training: $(((trained - start) / 60)) min $(((trained - start) % 60)) s"
  echo "selection: $(((selected - trained) / 60)) min $(((selected - trained) % 60)) s"
  echo "total: $(((selected - start) / 60)) min $(((selected - start) % 60)) s"
} | tee "$record/time.txt"
