#!/bin/sh
# Run a command (the test suite) in a network namespace of its own that holds only a loopback
# interface, so that no test can reach a real network whatever the code under test does: there
# is no interface to send on. The lab builds its own namespaces from in here (ip netns add works
# in any namespace) and connects them only to each other.
#   tests/run-isolated.sh .venv/bin/python -m pytest -q
# Needs root (a new network namespace), unshare (util-linux) and ip/sysctl (iproute2, procps).
#
# The kernel's neighbour table is one table for every namespace, and its limits
# (net.ipv4.neigh.default.gc_thresh1/2/3) can be set only from the root namespace: the big
# ScaleLab tests need more than the stock 1024 entries, so this wrapper raises them for the run
# and puts the values it found back afterwards.
set -eu
if [ "$(id -u)" -ne 0 ]; then
  echo "tests/run-isolated.sh: needs root to make the tests' network namespace" >&2
  exit 2
fi
keys="gc_thresh1 gc_thresh2 gc_thresh3"
saved=""
for k in $keys; do saved="$saved $(sysctl -n net.ipv4.neigh.default.$k)"; done
restore() {
  set -- $saved
  sysctl -q -w net.ipv4.neigh.default.gc_thresh1="$1" net.ipv4.neigh.default.gc_thresh2="$2" \
    net.ipv4.neigh.default.gc_thresh3="$3" 2>/dev/null || true
}
trap restore EXIT INT TERM
sysctl -q -w net.ipv4.neigh.default.gc_thresh3=16384 net.ipv4.neigh.default.gc_thresh2=8192 \
  net.ipv4.neigh.default.gc_thresh1=1024 || echo "tests/run-isolated.sh: could not raise the neighbour-table limits" >&2
unshare --net -- sh -c 'ip link set lo up && exec "$@"' run-isolated "$@"
