import os
import shutil
import socket

import pytest

ISOLATION_HINT = (
    "the test suite runs only in a network namespace that holds nothing but a loopback interface, "
    "so no test can reach a real network whatever the code does: run it as "
    "`tests/run-isolated.sh .venv/bin/python -m pytest -q` (root)"
)


def interfaces() -> list[str]:
    """The network interfaces of this process's network namespace."""
    return sorted(name for _, name in socket.if_nameindex())


def pytest_configure(config: pytest.Config) -> None:
    if interfaces() != ["lo"]:
        raise pytest.UsageError(f"this namespace has interfaces {interfaces()}; {ISOLATION_HINT}")


def _can_netns() -> bool:
    return os.geteuid() == 0 and shutil.which("ip") is not None


needs_netns = pytest.mark.skipif(not _can_netns(), reason="needs root and iproute2 to build network namespaces")


@pytest.fixture
def netpair():
    """Two namespaces on one veth link (198.18.254.1 <-> .2), no route out, removed after."""
    if not _can_netns():
        pytest.skip("needs root and iproute2 to build network namespaces")
    from tests.netns import NetPair

    with NetPair() as pair:
        yield pair
