"""Private TCP ports the device listens on but the scanner does not speak: Dahua's 37777 (its SDK
protocol), Xiongmai's 34567 (NetSurveillance). A real device accepts the connection and waits for
the client's binary login; the scanner's port probe connects and closes at once, so accepting and
saying nothing is what the probe meets on the wire. Whatever a client sends is read (capped) and
dropped; the connection closes after a short idle time.

Profile config::

    tcp:
      ports: [37777]
      source: where the device's port is documented
"""

from __future__ import annotations

import socket
import threading
from typing import Any

from .base import DeviceContext

MAX_READ = 4096
MAX_TOTAL = 64 * 1024  # then the connection is closed, as a device would on garbage
IDLE_TIMEOUT = 2.0
MAX_CONNECTIONS = 32


class TcpPorts:
    def __init__(self, ip: str, ports: list[int]) -> None:
        self._socks: list[socket.socket] = []
        self._stop = threading.Event()
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        for port in ports:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((ip, int(port)))
            s.listen(16)
            s.settimeout(0.5)
            self._socks.append(s)
            threading.Thread(target=self._accept, args=(s,), daemon=True).start()

    def _accept(self, s: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = s.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if not self._slots.acquire(blocking=False):
                conn.close()
                continue
            threading.Thread(target=self._drain, args=(conn,), daemon=True).start()

    def _drain(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(IDLE_TIMEOUT)
            total = 0
            while total < MAX_TOTAL:
                chunk = conn.recv(MAX_READ)
                if not chunk:
                    break
                total += len(chunk)
        except OSError:
            pass
        finally:
            conn.close()
            self._slots.release()

    def close(self) -> None:
        self._stop.set()
        for s in self._socks:
            try:
                s.close()
            except OSError:
                pass


def start(device: DeviceContext, config: dict[str, Any]) -> TcpPorts:
    ports = [int(p) for p in config.get("ports") or []]
    return TcpPorts(device.ip, ports)
