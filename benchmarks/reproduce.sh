#!/usr/bin/env bash
# Re-run a recorded study at the commit it records and compare its summary table with the recorded one.
#
#   benchmarks/reproduce.sh benchmarks/known_spaces/yahpo_lcbench [--workers 2]
#
# Reads the study's run.json (one session at one clean commit), checks that commit out into a temporary
# worktree, runs the recorded command there with an empty cache (so nothing on this machine enters the
# result) and an output folder of its own, then diffs summary.csv. Exit status 0 when the tables are
# identical. Needs the data the study needs (RL_HPO_YAHPO_DATA for YAHPO suites) and this repository's
# environment (.venv); extra options pass through to rl-hpo bench.
set -euo pipefail
cd "$(dirname "$0")/.."
study=${1:?usage: reproduce.sh STUDY_DIR [rl-hpo bench options]}
shift
read -r commit command < <(python - "$study/run.json" <<'PY'
import json, shlex, sys
run = json.load(open(sys.argv[1]))
sessions = run["sessions"]
commits = {s.get("git_commit") for s in sessions}
if len(commits) != 1 or None in commits or any(s.get("git_dirty") for s in sessions):
    sys.exit(f"{sys.argv[1]}: the study was not run at one clean commit ({sorted(map(str, commits))}); nothing to reproduce")
argv = shlex.split(sessions[0]["command"])
if argv[:2] != ["rl-hpo", "bench"]:
    sys.exit(f"{sys.argv[1]}: the recorded command is not an rl-hpo bench command: {sessions[0]['command']}")
out = argv.index("--out")
del argv[out:out + 2]
print(commits.pop(), shlex.join(argv[2:]))
PY
)
work=$(mktemp -d)
trap 'git worktree remove --force "$work/tree" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
git worktree add --quiet --detach "$work/tree" "$commit"
mkdir -p "$work/cache"
# python -m from the worktree imports its rl_hpo, not the installed one
(cd "$work/tree" && eval "RL_HPO_CACHE='$work/cache' python -m rl_hpo.cli bench $command --out '$work/out' $*")
if diff "$study/summary.csv" "$work/out/summary.csv"; then
  echo "reproduced: $study/summary.csv at commit ${commit:0:10}"
else
  echo "differs: $study/summary.csv at commit ${commit:0:10}" >&2
  exit 1
fi
