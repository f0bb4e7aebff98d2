"""One host asked by unicast (``exchange`` with ``settle`` on a connected socket): a closed port
is reported as such from the host's ICMP answer, and a reply split across datagrams is kept
whole even though the window closes soon after the first part. Real sockets on loopback."""

from __future__ import annotations

import socket
import threading
import time

from scanner.probes import _udp


def _server(parts: list[bytes], gap: float) -> tuple[socket.socket, threading.Thread]:
    srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    srv.bind(("127.0.0.1", 0))

    def answer() -> None:
        data, peer = srv.recvfrom(2048)
        for i, part in enumerate(parts):
            if i:
                time.sleep(gap)
            srv.sendto(part, peer)

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    return srv, thread


def _asker(port: int) -> socket.socket:
    sock = _udp.open_socket("127.0.0.1")
    sock.connect(("127.0.0.1", port))
    return sock


def test_a_closed_udp_port_is_reported_closed_and_nothing_is_collected():
    free = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    free.bind(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()  # nothing listens there now: the kernel answers ICMP port unreachable
    sock = _asker(port)
    try:
        got = _udp.exchange(sock, [(b"probe", ("127.0.0.1", port))], timeout=2.0, retries=1, settle=0.3)
    finally:
        sock.close()
    assert got.refused is True
    assert got.datagrams == []


def test_a_reply_split_across_datagrams_is_kept_whole_within_the_settle_window():
    srv, thread = _server([b"first half", b"second half"], gap=0.1)
    port = srv.getsockname()[1]
    sock = _asker(port)
    try:
        got = _udp.exchange(sock, [(b"probe", ("127.0.0.1", port))], timeout=3.0, retries=0, settle=0.5)
    finally:
        sock.close()
        thread.join(timeout=2)
        srv.close()
    assert [d.data for d in got.datagrams] == [b"first half", b"second half"]
    assert got.refused is False


def test_without_settle_an_open_port_that_stays_silent_is_not_called_closed():
    srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    srv.bind(("127.0.0.1", 0))  # listens, never answers
    port = srv.getsockname()[1]
    sock = _asker(port)
    try:
        got = _udp.exchange(sock, [(b"probe", ("127.0.0.1", port))], timeout=0.3, retries=1, settle=0.1)
    finally:
        sock.close()
        srv.close()
    assert got.refused is False and got.datagrams == []
