"""Two network namespaces joined by a veth pair, for probes that send packets.

Nothing here routes out: the namespaces have no default route and no link to the root
namespace. Addresses are in 198.18.0.0/15 (RFC 2544 benchmark range). Names carry the PID and a
random suffix so parallel runs never collide, and teardown deletes only what was created.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import sys
import textwrap
from dataclasses import dataclass

import pytest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


@dataclass
class NetPair:
    scan_ns: str
    dev_ns: str
    scan_ip: str
    dev_ip: str
    prefix: int = 24
    extra_dev_ips: tuple[str, ...] = ()

    @classmethod
    def create(cls, third_octet: int = 77, extra_dev_ips: tuple[str, ...] = ()) -> "NetPair":
        tag = f"{os.getpid() % 100000}{secrets.token_hex(2)}"
        pair = cls(f"cdS{tag}", f"cdD{tag}", f"198.18.{third_octet}.1", f"198.18.{third_octet}.2",
                   extra_dev_ips=extra_dev_ips)
        va, vb = f"vS{tag}", f"vD{tag}"
        try:
            _ip("netns", "add", pair.scan_ns)
            _ip("netns", "add", pair.dev_ns)
            _ip("link", "add", va, "type", "veth", "peer", "name", vb)
            _ip("link", "set", va, "netns", pair.scan_ns)
            _ip("link", "set", vb, "netns", pair.dev_ns)
            for ns, dev, addr in ((pair.scan_ns, va, pair.scan_ip), (pair.dev_ns, vb, pair.dev_ip)):
                _ip("-n", ns, "addr", "add", f"{addr}/{pair.prefix}", "dev", dev)
                _ip("-n", ns, "link", "set", dev, "up")
                _ip("-n", ns, "link", "set", "lo", "up")
            for extra in extra_dev_ips:
                _ip("-n", pair.dev_ns, "addr", "add", f"{extra}/32", "dev", vb)
            pair.scan_if = va
            pair.dev_if = vb
        except Exception:
            pair.destroy()
            raise
        return pair

    def destroy(self) -> None:
        for ns in (self.scan_ns, self.dev_ns):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)

    def run_probe(self, code: str, timeout: float = 30) -> dict:
        """Run ``code`` (which must set ``out`` to a ProbeOutput) in the scanner namespace and
        return the ProbeOutput as plain JSON."""
        wrapper = textwrap.dedent(
            """
            import json, sys, dataclasses
            sys.path.insert(0, %r)
            from scanner.scope import parse_scope
            from scanner.probes.base import ProbeContext
            from scanner.models import Host
            """
        ) % str(ROOT)
        wrapper += textwrap.dedent(code)
        wrapper += "\nprint('@@' + json.dumps(dataclasses.asdict(out), default=str))\n"
        done = subprocess.run(
            ["ip", "netns", "exec", self.scan_ns, sys.executable, "-c", wrapper],
            capture_output=True, text=True, timeout=timeout, cwd=ROOT,
        )
        lines = [l for l in done.stdout.splitlines() if l.startswith("@@")]
        assert lines, f"probe run failed:\n{done.stdout}\n{done.stderr}"
        return json.loads(lines[-1][2:])


RESPONDER = r'''
import base64, json, socket, struct, sys, time
cfg = json.loads(base64.b64decode(sys.argv[1]))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", cfg["port"]))
if cfg.get("group"):
    mreq = struct.pack("4s4s", socket.inet_aton(cfg["group"]), socket.inet_aton(cfg["iface_ip"]))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
replies = [base64.b64decode(r) for r in cfg["replies"]]
srcs = cfg.get("sources") or [None]
print("ready", flush=True)
answered = 0
while True:
    data, peer = s.recvfrom(65535)
    if cfg.get("require") and cfg["require"].encode() not in data:
        continue
    if answered >= cfg.get("max_answers", 1000):
        continue
    answered += 1
    for src in srcs:
        out = s
        if src:
            out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            out.bind((src, 0))
        for _ in range(cfg.get("repeat", 1)):
            for r in replies:
                out.sendto(r, peer)
        if src:
            out.close()
'''


class Responder:
    """A UDP responder in the device namespace replaying real bytes to whoever asks."""

    def __init__(self, pair: NetPair, port: int, replies: list[bytes], *, group: str | None = None,
                 sources: list[str] | None = None, repeat: int = 1, require: str | None = None,
                 max_answers: int = 1000) -> None:
        cfg = {
            "port": port, "group": group, "iface_ip": pair.dev_ip, "sources": sources or [],
            "replies": [base64.b64encode(r).decode() for r in replies], "repeat": repeat,
            "require": require, "max_answers": max_answers,
        }
        arg = base64.b64encode(json.dumps(cfg).encode()).decode()
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", pair.dev_ns, sys.executable, "-c", RESPONDER, arg],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        line = self.proc.stdout.readline()
        if "ready" not in line:
            self.stop()
            raise RuntimeError(f"responder failed: {self.proc.stderr.read()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=5)

    def __enter__(self) -> "Responder":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


HTTP_SERVER = r'''
import base64, json, socket, sys, time, threading
cfg = json.loads(base64.b64decode(sys.argv[1]))
body = base64.b64decode(cfg["body"])
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("0.0.0.0", cfg["port"])); srv.listen(16)
print("ready", flush=True)
def serve(c):
    try:
        c.settimeout(5)
        req = b""
        while b"\r\n\r\n" not in req and len(req) < 65536:
            d = c.recv(4096)
            if not d: break
            req += d
        if cfg["mode"] == "silent":
            time.sleep(30); return
        if cfg["mode"] == "huge":
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n\r\n")
            for _ in range(4000): c.sendall(b"<x>" + b"a" * 1021)
            return
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
    except OSError:
        pass
    finally:
        c.close()
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
'''


class HttpServer:
    """A minimal HTTP server in the device namespace: serves one body, or stalls ("silent"), or
    streams megabytes ("huge")."""

    def __init__(self, pair: NetPair, port: int, body: bytes = b"", mode: str = "serve") -> None:
        cfg = {"port": port, "body": base64.b64encode(body).decode(), "mode": mode}
        arg = base64.b64encode(json.dumps(cfg).encode()).decode()
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", pair.dev_ns, sys.executable, "-c", HTTP_SERVER, arg],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        if "ready" not in self.proc.stdout.readline():
            self.stop()
            raise RuntimeError(f"http server failed: {self.proc.stderr.read()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=5)

    def __enter__(self) -> "HttpServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _can_netns() -> bool:
    import shutil

    return os.geteuid() == 0 and shutil.which("ip") is not None


@pytest.fixture
def udp_pair():
    """A scanner namespace and a device namespace on one veth link (198.18.77.1 <-> .2)."""
    if not _can_netns():
        pytest.skip("needs root and iproute2 for network namespaces")
    pair = NetPair.create()
    try:
        yield pair
    finally:
        pair.destroy()
