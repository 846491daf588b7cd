#!/usr/bin/env bash
# make test: ruff, then every suite. The schema fuzzer is one long, single-threaded test (about a
# core for two to four minutes); run inside the system suite it was the last test standing while
# the other core idled. It runs here from the start, beside the in-process suites and then the
# other system tests, and its output is shown when it ends. Each suite's failure fails the run.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
PYTEST_WORKERS=${PYTEST_WORKERS:-2}
SYSTEM_WORKERS=${SYSTEM_WORKERS:-4}
FUZZ_TEST=tests/system/test_schemathesis.py

"$PY" -m ruff check . || exit 1

mkdir -p test-artifacts
fuzz_log=test-artifacts/schema-fuzzing.log
"$PY" -m pytest -p no:cacheprovider -q "$FUZZ_TEST" >"$fuzz_log" 2>&1 &
fuzz_pid=$!
trap 'kill "$fuzz_pid" 2>/dev/null' EXIT

"$PY" -m pytest -n "$PYTEST_WORKERS" -p no:cacheprovider -q --ignore=tests/system
in_process=$?
"$PY" -m pytest -n "$SYSTEM_WORKERS" --dist loadfile -p no:cacheprovider -q tests/system \
    --ignore="$FUZZ_TEST"
system=$?
wait "$fuzz_pid"
fuzzing=$?
trap - EXIT
echo "--- schema fuzzing ($FUZZ_TEST) ---"
cat "$fuzz_log"

echo "in-process suites: exit $in_process; system suites: exit $system; schema fuzzing: exit $fuzzing"
[ "$in_process" -eq 0 ] && [ "$system" -eq 0 ] && [ "$fuzzing" -eq 0 ]
