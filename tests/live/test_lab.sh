#!/bin/sh
# \summary: synfin lab scenario tests; see tests/live/lab_scenarios.py. Root only, else skipped.
exec python3 "$(dirname "$0")/lab_scenarios.py" "$@"
