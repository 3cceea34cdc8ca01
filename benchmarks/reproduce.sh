#!/usr/bin/env bash
# Re-run a recorded study at the commit it records and compare its summary table with the recorded one.
#
#   benchmarks/reproduce.sh benchmarks/known_spaces/yahpo_lcbench [--workers 2]
#   benchmarks/reproduce.sh --here benchmarks/unseen_spaces/yahpo_iaml_glmnet   # this checkout's code
#
# Reads the study's run.json (one session at one clean commit), checks that commit out into a temporary
# worktree, runs the recorded command there with an empty cache (so nothing on this machine enters the
# result) and an output folder of its own, then diffs summary.csv. Exit status 0 when the tables are
# identical. With --here the command runs with this checkout's code instead: a published table that the
# current code no longer produces fails. Needs the data the study needs (RL_HPO_YAHPO_DATA for YAHPO
# suites) and this repository's environment (.venv); extra options pass through to rl-hpo bench.
set -euo pipefail
cd "$(dirname "$0")/.."
here=false
if [[ ${1:-} == --here ]]; then here=true; shift; fi
study=${1:?usage: reproduce.sh [--here] STUDY_DIR [rl-hpo bench options]}
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
if $here; then
  tree=$PWD at="this checkout (recorded at ${commit:0:10})"
else
  tree=$work/tree at="commit ${commit:0:10}"
  git worktree add --quiet --detach "$tree" "$commit"
fi
mkdir -p "$work/cache"
# python -m from the tree imports its rl_hpo, not the installed one
(cd "$tree" && eval "RL_HPO_CACHE='$work/cache' python -m rl_hpo.cli bench $command --out '$work/out' $*")
if diff "$study/summary.csv" "$work/out/summary.csv"; then
  echo "reproduced: $study/summary.csv at $at"
else
  echo "differs: $study/summary.csv at $at" >&2
  exit 1
fi
