#!/usr/bin/env bash
# Run the default test suite (slow studies excluded) with the project's virtual environment, on every core
# (pytest-xdist; RL_HPO_TEST_WORKERS sets the number of worker processes, 0 runs in this process).
# pytest's exit status 5 (no test collected) is an error here, never a silent pass.
set -uo pipefail
cd "$(dirname "$0")/.."
venv="${RL_HPO_VENV:-.venv}"
"$venv/bin/python" -m pytest -n "${RL_HPO_TEST_WORKERS:-auto}" --dist worksteal "$@"
status=$?
if [ "$status" -eq 5 ]; then
    echo "run_tests: pytest collected no tests; that is a failure." >&2
    exit 1
fi
exit "$status"
