"""A token bucket shared by every probe of a scan: at most ``rate`` new packets or connections
a second, with a small burst, so a scan of a fragile network stays gentle."""

from __future__ import annotations

import threading
import time


class RateLimiter:
    def __init__(self, rate: float, burst: int | None = None) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = float(rate)
        self.burst = float(burst if burst is not None else max(1, int(rate // 20)))
        self._tokens = self.burst
        self._last = time.monotonic()
        self._lock = threading.Lock()

    def reserve(self, count: int = 1) -> float:
        """Take ``count`` tokens now; return how many seconds the caller must wait before sending."""
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            self._tokens -= count
            return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def wait(self, count: int = 1) -> None:
        delay = self.reserve(count)
        if delay > 0:
            time.sleep(delay)


UNLIMITED = None
