#!/bin/sh
# \summary: live capture tests (synfin -i lo); see tests/live/live_capture.py. Root only, else skipped.
exec python3 "$(dirname "$0")/live_capture.py" "$@"
