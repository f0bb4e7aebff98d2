"""Which captured HTTP response is a server's front page, when "/" redirects.

The active HTTP probe asks for "/" and follows up to three redirects on the same host (a
Brother printer answers "/" with 301 to /main/main.html); the page at the end is what it reads
as the front page (Server, title, body). On the wire that is several connections, which the
passive reader may finish in either order. ``FrontPages`` remembers, per server, where "/"
redirected to and a few recent pages it has not placed yet, so whichever comes second finds the
first. Both memories are bounded: a capture of any size costs at most ``max_entries`` of each.
"""

from __future__ import annotations

from collections import OrderedDict
from urllib.parse import urljoin, urlsplit

from ..probes.http import MAX_REDIRECTS, Fetched

MAX_ENTRIES = 256
MAX_PAGES = 64

Server = tuple[str, int]


class FrontPages:
    def __init__(self, max_entries: int = MAX_ENTRIES, max_pages: int = MAX_PAGES) -> None:
        self.max_entries = max_entries
        self.max_pages = max_pages
        self.targets: OrderedDict[tuple[str, int, str], int] = OrderedDict()  # -> redirect hops so far
        self.pages: OrderedDict[tuple[str, int, str], Fetched] = OrderedDict()  # not placed yet

    def response(self, server: Server, path: str, fetched: Fetched) -> list[Fetched]:
        """Feed one response to ``path``; return the front pages it completes (usually none)."""
        ip, port = server
        key = (ip, port, path)
        if path == "/":
            hops = 0
        elif key in self.targets:
            hops = self.targets.pop(key)
        else:
            self._remember(self.pages, key, fetched, self.max_pages)
            return []
        if not is_redirect(fetched):
            return [fetched]
        target = same_server_target(server, path, fetched)
        if target is None or hops >= MAX_REDIRECTS:
            return []  # the active probe gives up here too (another port or scheme, or too many hops)
        next_key = (ip, port, target)
        self._remember(self.targets, next_key, hops + 1, self.max_entries)
        waiting = self.pages.pop(next_key, None)
        return self.response(server, target, waiting) if waiting is not None else []

    @staticmethod
    def _remember(table: OrderedDict, key, value, limit: int) -> None:
        table[key] = value
        table.move_to_end(key)
        while len(table) > limit:
            table.popitem(last=False)


def is_redirect(fetched: Fetched) -> bool:
    return 300 <= fetched.status < 400 and bool(fetched.headers.get("location"))


def same_server_target(server: Server, path: str, fetched: Fetched) -> str | None:
    """The path a redirect points to when it stays on the same address and port, else None."""
    ip, port = server
    url = urljoin(f"http://{ip}:{port}{path}", fetched.headers.get("location", "").strip())
    try:
        parts = urlsplit(url)
        target_port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None
    if parts.scheme != "http" or parts.hostname != ip or target_port != port:
        return None
    return parts.path or "/"
