import os
import shutil

import pytest


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
