"""Software is not a device maker: a Windows host's IIS or DHCP client, a CUPS print server.

'Microsoft' inside 'Microsoft-IIS/8.0' names who made the web server, not who made the machine
it runs on (a video-management server of any maker runs IIS). The fingerprints read such values
as software (vendors.yaml kind software, its maker as `parent`), and the registry alias of that
maker is not heard in the same value. Values are what real hosts sent (sources beside them).
"""

from __future__ import annotations

import pytest
from identify_fixtures import REPO_DB

from scanner.identify import build_identity, load_database, match_observation
from scanner.models import Observation


@pytest.fixture(scope="module")
def db():  # type: ignore[no-untyped-def]
    return load_database(REPO_DB)


SOFTWARE = [
    # rapid7/recog xml/http_servers.xml @14fa1a7211e7fb5707c7a1b421a07d6c2cf4eec5 (Microsoft IIS)
    ("http.server", "Microsoft-IIS/10.0", "Windows"),
    ("http.server", "Microsoft-HTTPAPI/2.0", "Windows"),
    # rapid7/recog xml/dhcp_vendor_class.xml @14fa1a7 (Microsoft Windows Device)
    ("dhcp.vendor_class", "MSFT 5.0", "Windows"),
    # rapid7/recog xml/html_title.xml @14fa1a7 (Apple CUPS)
    ("http.title", "Home - CUPS 2.3.1", "CUPS"),
]


@pytest.mark.parametrize(("field", "value", "software"), SOFTWARE, ids=[v for _, v, _ in SOFTWARE])
def test_server_software_names_no_device_maker(db, field, value, software) -> None:  # type: ignore[no-untyped-def]
    result = match_observation(Observation("198.18.0.30", field.split(".")[0], field, value), db)
    named = {m.params.get("platform_vendor") or m.params.get("vendor") for m in result.matches}
    assert software in named and "Microsoft" not in named and "Apple" not in named, named
    ident = build_identity([result], db)
    assert ident.software_only and ident.platform_vendor is None and ident.vendor is None
