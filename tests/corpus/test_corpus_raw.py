"""Where a corpus record keeps the whole response a real device sent (``raw``), the scanner's own
parser must read it and yield the observations the record lists: so the parsers are tested on
real devices' bytes, and the records' observations are what the parser really makes of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.identify.accuracy import Record, load_records
from scanner.probes import onvif, rtsp, sadp, ssdp, wsdiscovery
from scanner.probes._parsing import MalformedReply

IP = "198.18.0.10"
RECORDS = Path(__file__).with_name("records")


def _onvif(data: bytes) -> list:
    out = []
    for parse in (onvif.parse_device_information, onvif.parse_system_date_and_time, onvif.parse_scopes,
                  onvif.parse_network_interfaces, onvif.parse_namespaces):
        try:
            out += parse(data, IP, 80)
        except (MalformedReply, onvif.SoapFault):  # a fault is an answer too: its namespaces are read
            continue
    if not out:
        raise MalformedReply("no ONVIF reader accepted it")
    return out


def _rtsp(data: bytes) -> list:
    if data.startswith(b"v=0"):  # a session description published without its reply headers
        return rtsp.observations_from(IP, 554, {"content-type": "application/sdp"}, data)
    status, headers = rtsp.parse_reply(data)
    return rtsp.observations_from(IP, 554, headers, rtsp.reply_body(data) if status == 200 else b"")


PARSERS = {
    "onvif": _onvif,
    "wsd": lambda d: wsdiscovery.parse(d, IP),
    "ssdp": lambda d: ssdp.parse(d, IP),
    "upnp": lambda d: ssdp.parse_description(d, IP, 80),
    "sadp": lambda d: sadp.parse(d, IP),
    "rtsp": _rtsp,
}


def _with_raw() -> list[Record]:
    return [r for r in load_records(RECORDS) if r.raw.strip() and r.protocol in PARSERS]


def _wire(record: Record) -> bytes:
    data = record.raw.encode("utf-8")
    if record.protocol in ("rtsp", "ssdp") and b"\r\n" not in data:
        data = data.replace(b"\n", b"\r\n")  # YAML keeps lines, not their CR
        if b"\r\n\r\n" not in data:
            data += b"\r\n"
    return data


@pytest.mark.parametrize("record", _with_raw(), ids=lambda r: r.id)
def test_the_parser_reads_the_raw_response_into_the_listed_observations(record: Record) -> None:
    try:
        parsed = {(o.field, o.value) for o in PARSERS[record.protocol](_wire(record))}
    except (MalformedReply, ValueError) as exc:
        pytest.fail(f"{record.id}: the scanner's {record.protocol} parser refused the raw response: {exc}")
    produced_fields = {f for f, _ in parsed}
    listed = {(f, v) for f, v in record.observations if f in produced_fields or f.split(".")[0] == record.protocol}
    missing = listed - parsed
    assert not missing, f"{record.id}: listed but not parsed from raw: {sorted(missing)}; parsed {sorted(parsed)[:20]}"


def test_some_records_keep_their_raw_response() -> None:
    records = load_records(RECORDS)
    if len(records) < 40:
        pytest.skip("the corpus is not collected yet")
    assert len(_with_raw()) >= 10
