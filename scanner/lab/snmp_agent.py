"""The lab switch's SNMP agent: answers GET, GETNEXT and GETBULK (SNMPv2c) from the Linux
bridge's real state, read in the switch namespace each time it may have changed.

Run inside the switch namespace: ``python -m scanner.lab.snmp_agent --listen IP --community C
--name SYSNAME [--lldp PORT=NEIGHBOUR,PORTID] [--mode MODE]``. The forwarding table comes from
``bridge -j fdb show br br0`` (the MACs the bridge learned from frames on the wire, never from the
lab's configuration), ports from ``ip -j -d link show master br0`` (name, ifindex, alias, bridge
port number). LLDP neighbours are lab configuration (the lab has no LLDP speaker).

Why not net-snmp's ``snmpd``: it is not installed on every lab host, and a hostile switch
(``--mode slow|loop|huge|wrongtypes|dot1d``) needs an agent whose answers we control. Messages
are decoded and encoded by pysnmp/pyasn1 (no hand-written BER); only the table is ours.
The agent never answers SET (it replies noAccess / readOnly error 4 and changes nothing).
"""

from __future__ import annotations

import argparse
import bisect
import json
import socket
import subprocess
import sys
import time
from typing import Any

from pyasn1.codec.ber import decoder, encoder
from pysnmp.proto import api, rfc1902

# The MIB objects the agent serves, written out here rather than imported from the scanner's
# reader (the lab is the other side of the wire and shares no code with it): SNMPv2-MIB system,
# IF-MIB ifDescr/ifName/ifAlias, BRIDGE-MIB and Q-BRIDGE-MIB forwarding tables, LLDP-MIB lldpRemTable.
SYS_DESCR = (1, 3, 6, 1, 2, 1, 1, 1, 0)
SYS_OBJECT_ID = (1, 3, 6, 1, 2, 1, 1, 2, 0)
SYS_NAME = (1, 3, 6, 1, 2, 1, 1, 5, 0)
DOT1Q_TP_FDB_PORT = (1, 3, 6, 1, 2, 1, 17, 7, 1, 2, 2, 1, 2)  # index: fdbId.mac(6)
DOT1D_TP_FDB_PORT = (1, 3, 6, 1, 2, 1, 17, 4, 3, 1, 2)  # index: mac(6)
DOT1D_BASE_PORT_IFINDEX = (1, 3, 6, 1, 2, 1, 17, 1, 4, 1, 2)  # index: bridge port
IF_DESCR = (1, 3, 6, 1, 2, 1, 2, 2, 1, 2)
IF_NAME = (1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 1)
IF_ALIAS = (1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 18)
LLDP_REM = (1, 0, 8802, 1, 1, 2, 1, 4, 1, 1)  # lldpRemEntry; index: timeMark.localPortNum.remIndex
LLDP_REM_PORT_ID, LLDP_REM_SYS_NAME, LLDP_REM_SYS_CAP_ENABLED = 7, 9, 12

MODES = ("normal", "slow", "loop", "huge", "wrongtypes", "dot1d")
# NET-SNMP-TC::linux (net-snmp mibs/NET-SNMP-TC.txt): the sysObjectID net-snmp's agent reports on Linux.
LINUX_OID = (1, 3, 6, 1, 4, 1, 8072, 3, 2, 10)
REFRESH = 0.3  # seconds between re-reads of the bridge


def _json(cmd: list[str]) -> Any:
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout
    return json.loads(out or "[]")


def _mac_index(mac: str) -> tuple[int, ...]:
    return tuple(int(x, 16) for x in mac.split(":"))


class Table:
    def __init__(self, name: str, lldp: dict[str, tuple[str, str]], mode: str, bridge: str = "br0") -> None:
        self.name, self.lldp, self.mode, self.bridge = name, lldp, mode, bridge
        self.oids: list[tuple[int, ...]] = []
        self.values: dict[tuple[int, ...], Any] = {}
        self.read_at = 0.0

    def refresh(self) -> None:
        if time.monotonic() - self.read_at < REFRESH or (self.mode == "huge" and self.oids):
            return
        self.read_at = time.monotonic()
        v: dict[tuple[int, ...], Any] = {
            SYS_DESCR: rfc1902.OctetString(f"cctv-scan lab switch (Linux bridge {self.bridge}, real forwarding table)"),
            SYS_OBJECT_ID: rfc1902.ObjectIdentifier(LINUX_OID),
            SYS_NAME: rfc1902.OctetString(self.name),
        }
        text = (lambda s: rfc1902.Integer32(len(s))) if self.mode == "wrongtypes" else rfc1902.OctetString
        port_no: dict[str, int] = {}
        for link in _json(["ip", "-j", "-d", "link", "show", "master", self.bridge]):
            name, ifindex = link["ifname"], int(link["ifindex"])
            info = link.get("linkinfo", {}).get("info_slave_data", {})
            num = int(str(info.get("no", info.get("port_no", "0"))), 0)
            port_no[name] = num
            v[DOT1D_BASE_PORT_IFINDEX + (num,)] = rfc1902.Integer32(ifindex)
            v[IF_DESCR + (ifindex,)] = rfc1902.OctetString(name)
            v[IF_NAME + (ifindex,)] = text(name)
            v[IF_ALIAS + (ifindex,)] = rfc1902.OctetString(link.get("ifalias", ""))
        for entry in _json(["bridge", "-j", "fdb", "show", "br", self.bridge]):
            if entry.get("state") == "permanent" or entry.get("master", self.bridge) != self.bridge or "self" in entry.get("flags", []):
                continue
            port = port_no.get(entry.get("ifname", ""))
            if not port or "mac" not in entry:
                continue
            value: Any = rfc1902.OctetString(b"\x00\x01") if self.mode == "wrongtypes" else rfc1902.Integer32(port)
            mac = _mac_index(entry["mac"])
            if self.mode != "dot1d":
                v[DOT1Q_TP_FDB_PORT + (int(entry.get("vlan", 1)),) + mac] = value
            v[DOT1D_TP_FDB_PORT + mac] = value
        if self.mode == "huge":
            for i in range(100_000):
                v[DOT1Q_TP_FDB_PORT + (1, 2, 0, (i >> 16) & 255, (i >> 8) & 255, i & 255, 1)] = rfc1902.Integer32(1)
        for port_name, (sys_name, port_id) in self.lldp.items():
            num = port_no.get(port_name)
            if num:
                v[LLDP_REM + (LLDP_REM_PORT_ID, 0, num, 1)] = rfc1902.OctetString(port_id)
                v[LLDP_REM + (LLDP_REM_SYS_NAME, 0, num, 1)] = rfc1902.OctetString(sys_name)
                v[LLDP_REM + (LLDP_REM_SYS_CAP_ENABLED, 0, num, 1)] = rfc1902.Bits(b"\x20\x00")
        self.values = v
        self.oids = sorted(v)

    def next_after(self, oid: tuple[int, ...]) -> tuple[tuple[int, ...], Any] | None:
        if self.mode == "loop" and oid[:1] != (1, 3, 6, 1, 2, 1, 1):
            return oid, rfc1902.Integer32(1)  # a broken agent: the same OID again, forever
        i = bisect.bisect_right(self.oids, oid)
        return (self.oids[i], self.values[self.oids[i]]) if i < len(self.oids) else None


def answer(table: Table, community: bytes, data: bytes) -> bytes | None:
    version = int(api.decodeMessageVersion(data))
    if version != api.SNMP_VERSION_2C:
        return None
    p = api.PROTOCOL_MODULES[version]
    req, _ = decoder.decode(data, asn1Spec=p.Message())
    if bytes(p.apiMessage.get_community(req)) != community:
        return None  # wrong community: silence, as real agents do
    rsp = p.apiMessage.get_response(req)
    req_pdu, rsp_pdu = p.apiMessage.get_pdu(req), p.apiMessage.get_pdu(rsp)
    table.refresh()
    out: list[tuple[Any, Any]] = []
    asked = [(tuple(o), val) for o, val in p.apiPDU.get_varbinds(req_pdu)]
    if req_pdu.isSameTypeWith(p.GetRequestPDU()):
        for oid, _ in asked:
            out.append((rfc1902.ObjectName(oid), table.values.get(oid, p.NoSuchInstance() if hasattr(p, "NoSuchInstance") else rfc1902.Null())))
    elif req_pdu.isSameTypeWith(p.GetNextRequestPDU()) or req_pdu.isSameTypeWith(p.GetBulkRequestPDU()):
        reps = 1
        if req_pdu.isSameTypeWith(p.GetBulkRequestPDU()):
            reps = max(1, min(int(p.apiBulkPDU.get_max_repetitions(req_pdu)), 50))
        for oid, _ in asked:
            current = oid
            for _ in range(reps):
                found = table.next_after(current)
                if found is None:
                    out.append((rfc1902.ObjectName(current), api.v2c.EndOfMibView()))
                    break
                current = found[0]
                out.append((rfc1902.ObjectName(found[0]), found[1]))
    else:
        p.apiPDU.set_error_status(rsp_pdu, 4)  # readOnly: this agent changes nothing
        out = [(rfc1902.ObjectName(o), val) for o, val in asked]
    p.apiPDU.set_varbinds(rsp_pdu, out)
    return encoder.encode(rsp)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--listen", required=True)
    ap.add_argument("--port", type=int, default=161)
    ap.add_argument("--community", required=True)
    ap.add_argument("--name", default="lab-switch")
    ap.add_argument("--lldp", action="append", default=[], help="PORT=SYSNAME,PORTID")
    ap.add_argument("--mode", choices=MODES, default="normal")
    ap.add_argument("--delay", type=float, default=5.0, help="seconds each answer waits in --mode slow")
    args = ap.parse_args(argv)
    lldp = {}
    for item in args.lldp:
        port, _, rest = item.partition("=")
        sys_name, _, port_id = rest.partition(",")
        lldp[port] = (sys_name, port_id)
    table = Table(args.name, lldp, args.mode)
    table.refresh()  # the huge table is built once, before the first request
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((args.listen, args.port))
    print("READY", flush=True)
    community = args.community.encode()
    while True:
        data, peer = sock.recvfrom(65535)
        try:
            reply = answer(table, community, data)
        except Exception as exc:  # noqa: BLE001 - a bad request must not stop the lab's switch
            print(f"bad request from {peer[0]}: {type(exc).__name__}: {str(exc)[:200]}", file=sys.stderr, flush=True)
            continue
        if reply is not None:
            if args.mode == "slow":
                time.sleep(args.delay)
            sock.sendto(reply, peer)


if __name__ == "__main__":
    sys.exit(main())
