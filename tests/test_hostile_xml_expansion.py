"""XML entity attacks that would *work* if entities were resolved: every XML reader, active and
passive, is fed a well-formed document of the right shape (a real reply) whose entity would
expand into a field we keep. Each must be refused, and no expanded text, no file content and no
fetch of the canary URL may appear anywhere.

The other hostile-XML tests (tests/test_hostile_parsers.py) send classic attack documents whose
envelope alone gets them refused, so they cannot tell whether entities are resolved; these can:
each attack rides in a document that the reader accepts when the entity is replaced by plain
text (checked first, per document), so a reader that expanded entities would keep the canary.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Callable, Iterator

import pytest

from scanner.models import Observation
from scanner.passive import discovery
from scanner.probes import onvif, sadp, ssdp, wsdiscovery
from scanner.probes._parsing import MalformedReply
from tests import hostile_samples as S

IP = "198.18.77.2"
CANARY = "CANARY-7f3a91"  # text no real reply holds

Reader = Callable[[bytes], list[Observation]]


def _sadp_reply() -> bytes:
    [reply] = [p for p in S.udp_payloads("sadp") if b"V5.3.0build" in p][:1]
    return reply


# (name, reader, a real reply, the kept field's text in it that the attack replaces)
READERS: list[tuple[str, Reader, Callable[[], bytes], bytes]] = [
    ("onvif GetDeviceInformation", lambda d: onvif.parse_device_information(d, IP, 80), lambda: S.BOSCH_DEVICE_INFO,
     b"Bosch"),
    ("ws-discovery", lambda d: wsdiscovery.parse(d, IP), lambda: S.DAHUA_HELLO, b"Dahua"),
    ("upnp description", lambda d: ssdp.parse_description(d, IP, 80), lambda: S.AXIS_DESCRIPTION, b"AXIS"),
    ("sadp", lambda d: sadp.parse(d, IP), _sadp_reply, b"V5.3.0build"),
    # Passive mode reaches the same parsers through its dispatch table: check that path too.
    ("passive sadp", lambda d: discovery.load(discovery.BY_PORT[37020].module, "parse")(d, IP), _sadp_reply, b"V5.3.0build"),
    ("passive upnp description", lambda d: discovery.load(*discovery.UPNP_DESCRIPTION)(d, IP, 80),
     lambda: S.AXIS_DESCRIPTION, b"AXIS"),
]


class Canary:
    """An HTTP server on this namespace's loopback that counts every request it gets."""

    def __init__(self) -> None:
        hits = self.hits = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                hits.append(self.path)
                body = CANARY.encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def canary() -> Iterator[Canary]:
    c = Canary()
    yield c
    c.close()


def _with_doctype(doc: bytes, doctype: bytes) -> bytes:
    """Put a DOCTYPE after the XML declaration (or first, where there is none)."""
    if doc.lstrip().startswith(b"<?xml"):
        end = doc.index(b"?>") + 2
        return doc[:end] + doctype + doc[end:]
    return doctype + doc


def _root_name(doc: bytes) -> bytes:
    body = doc[doc.index(b"?>") + 2 :] if doc.lstrip().startswith(b"<?xml") else doc
    start = body.index(b"<") + 1
    return body[start : start + min(i for i in (body.find(b" ", start), body.find(b">", start)) if i > 0) - start]


def attacks(doc: bytes, field_text: bytes, file_path: str, url: str) -> dict[str, bytes]:
    root = _root_name(doc)
    laughs = b"".join(
        b'<!ENTITY l%d "%s">' % (i, (b"&l%d;" % (i - 1)) * 10 if i else CANARY.encode()) for i in range(9)
    )
    decls = {
        "internal entity": (b'<!ENTITY e "' + CANARY.encode() + b'">', b"&e;"),
        "external file entity": (b'<!ENTITY e SYSTEM "file://' + file_path.encode() + b'">', b"&e;"),
        "external URL entity": (b'<!ENTITY e SYSTEM "' + url.encode() + b'/entity">', b"&e;"),
        "billion laughs": (laughs, b"&l8;"),
        "parameter entity from URL": (b'<!ENTITY % p SYSTEM "' + url.encode() + b'/dtd"> %p;', field_text),
    }
    out = {}
    for name, (decl, ref) in decls.items():
        doctype = b"<!DOCTYPE " + root + b" [" + decl + b"]>"
        out[name] = _with_doctype(doc.replace(field_text, ref, 1), doctype)
    out["external DTD from URL"] = _with_doctype(doc, b"<!DOCTYPE " + root + b' SYSTEM "' + url.encode() + b'/external.dtd">')
    return out


@pytest.mark.parametrize("name,reader,sample,field_text", READERS, ids=[r[0] for r in READERS])
def test_the_attack_point_is_a_field_the_reader_keeps(name, reader, sample, field_text):
    doc = sample()
    assert field_text in doc
    obs = reader(doc.replace(field_text, CANARY.encode(), 1))
    assert any(CANARY in o.value for o in obs), f"{name}: the replaced text must reach an observation"


@pytest.mark.parametrize("name,reader,sample,field_text", READERS, ids=[r[0] for r in READERS])
def test_entities_are_never_expanded_fetched_or_read(name, reader, sample, field_text, canary, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text(CANARY)
    for attack, doc in attacks(sample(), field_text, str(secret), canary.url).items():
        try:
            obs = reader(doc)
        except MalformedReply as exc:
            assert CANARY not in str(exc)
            obs = None
        assert obs is None, f"{name}, {attack}: the document must be refused, got {obs!r}"[:300]
    assert canary.hits == [], f"{name}: the reader fetched {canary.hits}"
