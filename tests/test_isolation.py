"""The suite itself cannot reach a network: its namespace has a loopback interface and nothing else."""

from __future__ import annotations

import socket

import pytest

from tests.conftest import interfaces


def test_the_suite_runs_in_a_namespace_with_only_loopback() -> None:
    assert interfaces() == ["lo"]


def test_no_route_leaves_the_suite_namespace() -> None:
    # A public and a private address alike: with no interface but lo there is no route to either.
    for addr in ("8.8.8.8", "10.20.0.1", "192.168.1.1"):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            with pytest.raises(OSError):
                s.connect((addr, 53))
        finally:
            s.close()
