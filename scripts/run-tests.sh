#!/usr/bin/env bash
# make test: ruff, then every suite at once. The system suites mostly wait on real time (ticks,
# retries, browsers) with a local stack each; run after the in-process suites, they left a core
# idle for ten minutes and the whole run took 19. So all three start together: the system suite
# (its longest files first, one file per process) and the schema fuzzer (one long single-threaded
# test) in the background, writing to logs shown when they end, and the in-process suites on
# both cores in front. Each suite's failure fails the run.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
PYTEST_WORKERS=${PYTEST_WORKERS:-2}
SYSTEM_WORKERS=${SYSTEM_WORKERS:-5}
FUZZ_TEST=tests/system/test_schemathesis.py

"$PY" -m ruff check . || exit 1

mkdir -p test-artifacts
fuzz_log=test-artifacts/schema-fuzzing.log
system_log=test-artifacts/system-suite.log
"$PY" -m pytest -p no:cacheprovider -q "$FUZZ_TEST" >"$fuzz_log" 2>&1 &
fuzz_pid=$!
"$PY" -m pytest -n "$SYSTEM_WORKERS" --dist loadfile -p no:cacheprovider -q --durations=15 \
    tests/system --ignore="$FUZZ_TEST" >"$system_log" 2>&1 &
system_pid=$!
trap 'kill "$fuzz_pid" "$system_pid" 2>/dev/null' EXIT

started=$SECONDS
# Niced: the system suite's waits on real time (ticks, deadlines, retries) are the ones a
# starved process would miss; the in-process suites inject their clocks and take what is left.
nice -n 5 "$PY" -m pytest -n "$PYTEST_WORKERS" -p no:cacheprovider -q --durations=15 \
    --ignore=tests/system
in_process=$?
echo "--- in-process suites took $((SECONDS - started)) s; waiting for the system suite ---"
wait "$system_pid"
system=$?
echo "--- system suite (tests/system, finished after $((SECONDS - started)) s) ---"
cat "$system_log"
wait "$fuzz_pid"
fuzzing=$?
trap - EXIT
echo "--- schema fuzzing ($FUZZ_TEST, finished after $((SECONDS - started)) s) ---"
cat "$fuzz_log"

echo "in-process suites: exit $in_process; system suites: exit $system; schema fuzzing: exit $fuzzing"
[ "$in_process" -eq 0 ] && [ "$system" -eq 0 ] && [ "$fuzzing" -eq 0 ]
