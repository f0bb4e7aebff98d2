#!/bin/sh
# Run a command (the test suite) in a network namespace of its own that holds only a loopback
# interface, so that no test can reach a real network whatever the code under test does: there
# is no interface to send on. The lab builds its own namespaces from in here (ip netns add works
# in any namespace) and connects them only to each other.
#   tests/run-isolated.sh .venv/bin/python -m pytest -q
# Needs root (a new network namespace) and unshare (util-linux) and ip (iproute2).
set -eu
if [ "$(id -u)" -ne 0 ]; then
  echo "tests/run-isolated.sh: needs root to make the tests' network namespace" >&2
  exit 2
fi
exec unshare --net -- sh -c 'ip link set lo up && exec "$@"' run-isolated "$@"
