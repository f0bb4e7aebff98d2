import pytest

from scanner.errors import ScopeError
from scanner.scope import parse_scope


def test_private_and_benchmark_ranges_are_accepted():
    assert parse_scope(["10.20.0.0/24"]).size == 256
    assert parse_scope(["198.18.0.0/24", "192.168.1.7"]).size == 257


@pytest.mark.parametrize("target", ["8.8.8.0/24", "0.0.0.0/0", "10.0.0.0/7", "1.1.1.1"])
def test_public_ranges_are_refused_without_allow_public(target):
    with pytest.raises(ScopeError, match="--allow-public"):
        parse_scope([target], max_addresses=1 << 32)
    assert parse_scope([target], allow_public=True, max_addresses=1 << 32).size > 0


@pytest.mark.parametrize("target", ["10.0.0.300/24", "abc", "10.0.0.0/33", ""])
def test_invalid_targets_are_errors(target):
    with pytest.raises(ScopeError):
        parse_scope([target])


@pytest.mark.parametrize("target", ["127.0.0.1", "224.0.0.0/24"])
def test_loopback_and_multicast_are_not_scannable(target):
    with pytest.raises(ScopeError, match="not a range of hosts"):
        parse_scope([target])


def test_scope_larger_than_the_limit_is_refused():
    with pytest.raises(ScopeError, match="more than the limit"):
        parse_scope(["10.0.0.0/8"])


def test_excluded_addresses_are_never_listed():
    scope = parse_scope(["198.18.0.0/29"], ["198.18.0.2", "198.18.0.4/31"])
    assert list(scope.addresses()) == ["198.18.0.1", "198.18.0.3", "198.18.0.6"]
    assert "198.18.0.5" not in scope
    assert "198.18.0.6" in scope
    assert "198.18.0.9" not in scope
