import os
import shutil

import pytest


@pytest.fixture(scope="session")
def exchange(tmp_path_factory):
    """(pcap path, active observations) of one real exchange recorded in a namespace pair."""
    if os.geteuid() != 0 or not shutil.which("ip") or not shutil.which("tcpdump") or not shutil.which("busybox"):
        pytest.skip("needs root, iproute2, tcpdump and busybox")
    from tests.passive.traffic import record_exchange

    path = tmp_path_factory.mktemp("passive") / "exchange.pcap"
    active = record_exchange(path)
    assert path.stat().st_size > 0
    return path, active
