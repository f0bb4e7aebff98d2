import os
import shutil

import pytest

from .netns import NetPair


def _can_netns() -> bool:
    return os.geteuid() == 0 and shutil.which("ip") is not None


needs_netns = pytest.mark.skipif(not _can_netns(), reason="needs root and iproute2 for network namespaces")


@pytest.fixture
def netpair():
    if not _can_netns():
        pytest.skip("needs root and iproute2 for network namespaces")
    pair = NetPair.create()
    try:
        yield pair
    finally:
        pair.destroy()
