"""Read a switch's own tables over SNMP (read-only GETs and GETBULK walks, with pysnmp 7).

What is read: ``sysName``, ``sysDescr``, ``sysObjectID`` (SNMPv2-MIB, RFC 3418);
``dot1qTpFdbPort`` (Q-BRIDGE-MIB, RFC 4363), falling back to ``dot1dTpFdbPort`` (BRIDGE-MIB,
RFC 4188) when the switch has no Q-BRIDGE table; ``dot1dBasePortIfIndex`` (bridge port to
ifIndex); ``ifDescr`` (IF-MIB, RFC 2863), ``ifName`` and ``ifAlias`` (IF-MIB ifXTable);
and ``lldpRemSysName``, ``lldpRemPortId``, ``lldpRemSysCapEnabled`` (LLDP-MIB, IEEE 802.1AB).

Every walk is bounded: each request waits at most ``timeout`` seconds (no retries), the whole
switch at most ``budget`` seconds, and at most ``max_rows`` rows are kept over all tables. An
OID that does not increase (a GETNEXT loop), a value of the wrong type, or a row index of the
wrong shape ends that table or skips that row with one line in ``problems``; nothing a switch
sends can raise out of ``read_switch``. Only GET and GETBULK requests are ever sent.

The Q-BRIDGE filtering database id (``dot1qFdbId``) is reported as the VLAN: on the switches
that use independent VLAN learning (the common case) the two are the same number; the switch's
``dot1qVlanFdbId`` mapping is not read.

Community strings, user names and keys never appear in a repr, a log line, a problem line,
a report or an exception message.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from pyasn1.type import univ
from pysnmp.hlapi.v3arch import asyncio as hl
from pysnmp.proto import rfc1902, rfc1905

SNMP_PORT = 161
DEFAULT_TIMEOUT = 2.0
DEFAULT_BUDGET = 30.0
DEFAULT_MAX_ROWS = 20_000
MAX_TEXT = 255  # characters kept of any string value
MAX_REPETITIONS = 25

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

AUTH_PROTOCOLS = {
    "md5": hl.usmHMACMD5AuthProtocol, "sha": hl.usmHMACSHAAuthProtocol,
    "sha224": hl.usmHMAC128SHA224AuthProtocol, "sha256": hl.usmHMAC192SHA256AuthProtocol,
    "sha384": hl.usmHMAC256SHA384AuthProtocol, "sha512": hl.usmHMAC384SHA512AuthProtocol,
}
PRIV_PROTOCOLS = {
    "des": hl.usmDESPrivProtocol, "3des": hl.usm3DESEDEPrivProtocol, "aes": hl.usmAesCfb128Protocol,
    "aes128": hl.usmAesCfb128Protocol, "aes192": hl.usmAesCfb192Protocol, "aes256": hl.usmAesCfb256Protocol,
}


@dataclass(frozen=True, slots=True)
class SnmpAuth:
    """SNMPv2c (a community) or SNMPv3 (a USM user with optional auth and privacy keys)."""

    version: str = "2c"
    community: str = field(default="", repr=False)
    user: str = field(default="", repr=False)
    auth_protocol: str = ""
    auth_key: str = field(default="", repr=False)
    priv_protocol: str = ""
    priv_key: str = field(default="", repr=False)

    def __str__(self) -> str:
        return f"SnmpAuth(version={self.version}, secrets=***)"

    def hlapi(self) -> Any:
        if self.version == "2c":
            return hl.CommunityData(self.community, mpModel=1)
        kwargs: dict[str, Any] = {}
        if self.auth_key:
            kwargs["authKey"] = self.auth_key
            kwargs["authProtocol"] = AUTH_PROTOCOLS[self.auth_protocol or "sha"]
        if self.priv_key:
            kwargs["privKey"] = self.priv_key
            kwargs["privProtocol"] = PRIV_PROTOCOLS[self.priv_protocol or "aes"]
        return hl.UsmUserData(self.user, **kwargs)


@dataclass(frozen=True, slots=True)
class FdbEntry:
    mac: str
    bridge_port: int
    vlan: int | None = None


@dataclass(frozen=True, slots=True)
class LldpNeighbour:
    local_port: int
    sys_name: str = ""
    port_id: str = ""
    is_bridge: bool = False


@dataclass(slots=True)
class SwitchTables:
    """What one switch said about itself (a partial read keeps what it got)."""

    address: str
    sys_name: str = ""
    sys_descr: str = ""
    sys_object_id: str = ""
    fdb: list[FdbEntry] = field(default_factory=list)
    fdb_table: str = ""  # "dot1q", "dot1d" or "" (none answered)
    port_ifindex: dict[int, int] = field(default_factory=dict)
    if_name: dict[int, str] = field(default_factory=dict)
    if_alias: dict[int, str] = field(default_factory=dict)
    if_descr: dict[int, str] = field(default_factory=dict)
    lldp: dict[int, LldpNeighbour] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    rows: int = 0
    elapsed: float = 0.0
    answered: bool = False

    @property
    def name(self) -> str:
        return self.sys_name or self.address

    def port_name(self, bridge_port: int) -> str:
        ifindex = self.port_ifindex.get(bridge_port, bridge_port)
        return self.if_name.get(ifindex) or self.if_descr.get(ifindex) or f"port {bridge_port}"

    def port_alias(self, bridge_port: int) -> str:
        return self.if_alias.get(self.port_ifindex.get(bridge_port, bridge_port), "")


class _Stop(Exception):
    """The switch said something that ends this table (its text is a problem line)."""


def _text(value: Any) -> str:
    if isinstance(value, univ.OctetString):
        raw = bytes(value.asOctets()[: MAX_TEXT * 4])
        text = raw.decode("utf-8", errors="replace")
    else:
        raise _Stop(f"expected a string, got {type(value).__name__}")
    return "".join(ch if ch.isprintable() else "?" for ch in text)[:MAX_TEXT]


def _int(value: Any) -> int:
    if isinstance(value, univ.Integer):
        return int(value)
    raise _Stop(f"expected an integer, got {type(value).__name__}")


def _is_end(value: Any) -> bool:
    return isinstance(value, (rfc1905.EndOfMibView, rfc1905.NoSuchObject, rfc1905.NoSuchInstance))


class _Reader:
    def __init__(self, address: str, auth: SnmpAuth, timeout: float, max_rows: int, port: int) -> None:
        self.tables = SwitchTables(address=address)
        self.auth = auth
        self.timeout = timeout
        self.max_rows = max_rows
        self.port = port
        self.engine = hl.SnmpEngine()
        self.auth_data = auth.hlapi()  # built once: pysnmp configures its engine for each new one
        self.context = hl.ContextData()
        self.target: Any = None

    async def open(self) -> None:
        self.target = await hl.UdpTransportTarget.create((self.tables.address, self.port), timeout=self.timeout, retries=0)

    def _problem(self, text: str) -> None:
        if len(self.tables.problems) < 20:
            self.tables.problems.append(text[:200])

    async def get(self, *oids: tuple[int, ...]) -> dict[tuple[int, ...], Any]:
        err_ind, err_status, _idx, var_binds = await hl.get_cmd(
            self.engine, self.auth_data, self.target, self.context,
            *(hl.ObjectType(hl.ObjectIdentity(univ.ObjectIdentifier(o))) for o in oids), lookupMib=False)
        if err_ind:
            raise _Stop(f"no answer to GET ({err_ind})")
        if err_status:
            raise _Stop(f"GET refused ({err_status.prettyPrint()})")
        self.tables.answered = True
        return {tuple(vb[0]): vb[1] for vb in var_binds}

    async def walk(self, prefix: tuple[int, ...], label: str) -> AsyncIterator[tuple[tuple[int, ...], Any]]:
        """Yield (index under ``prefix``, value) in order until the table ends or a bound is hit."""
        current = prefix
        while True:
            err_ind, err_status, _idx, var_binds = await hl.bulk_cmd(
                self.engine, self.auth_data, self.target, self.context, 0, MAX_REPETITIONS,
                hl.ObjectType(hl.ObjectIdentity(univ.ObjectIdentifier(current))), lookupMib=False)
            if err_ind:
                raise _Stop(f"{label}: no answer ({err_ind})")
            if err_status:
                return  # e.g. noSuchName from a v1-minded agent: the table is not there
            self.tables.answered = True
            if not var_binds:
                return
            for vb in var_binds:
                oid, value = tuple(vb[0]), vb[1]
                if _is_end(value) or oid[: len(prefix)] != prefix:
                    return
                if oid <= current:
                    raise _Stop(f"{label}: the switch returned an OID that does not increase (a GETNEXT loop); table cut")
                current = oid
                self.tables.rows += 1
                if self.tables.rows > self.max_rows:
                    raise _Stop(f"more than {self.max_rows} rows; the rest of the switch's tables was not read")
                yield oid[len(prefix):], value

    async def table(self, prefix: tuple[int, ...], label: str, row: Any) -> None:
        bad = 0
        try:
            async for index, value in self.walk(prefix, label):
                try:
                    row(index, value)
                except (_Stop, ValueError) as exc:
                    bad += 1
                    if bad == 1:
                        self._problem(f"{label}: row skipped ({exc})")
        except _Stop as exc:
            self._problem(str(exc))
            if "rows" in str(exc):
                raise
        if bad > 1:
            self._problem(f"{label}: {bad} rows skipped")

    async def read(self) -> None:
        t = self.tables
        await self.open()
        try:
            values = await self.get(SYS_NAME, SYS_DESCR, SYS_OBJECT_ID)
        except _Stop as exc:
            self._problem(str(exc))
            if not t.answered:
                return
            values = {}
        for oid, attr in ((SYS_NAME, "sys_name"), (SYS_DESCR, "sys_descr")):
            try:
                if oid in values and not _is_end(values[oid]):
                    setattr(t, attr, _text(values[oid]))
            except _Stop as exc:
                self._problem(f"{attr}: {exc}")
        oid_value = values.get(SYS_OBJECT_ID)
        if isinstance(oid_value, univ.ObjectIdentifier):
            t.sys_object_id = ".".join(map(str, tuple(oid_value)))[:MAX_TEXT]
        elif oid_value is not None and not _is_end(oid_value):
            self._problem(f"sysObjectID: expected an OID, got {type(oid_value).__name__}")

        def q_row(index: tuple[int, ...], value: Any) -> None:
            if len(index) != 7 or any(b > 255 for b in index[1:]):
                raise ValueError("index is not fdbId.MAC")
            t.fdb.append(FdbEntry(_mac(index[1:]), _int(value), index[0]))

        def d_row(index: tuple[int, ...], value: Any) -> None:
            if len(index) != 6 or any(b > 255 for b in index):
                raise ValueError("index is not a MAC")
            t.fdb.append(FdbEntry(_mac(index), _int(value), None))

        def keyed(target: dict[int, Any], conv: Any) -> Any:
            def row(index: tuple[int, ...], value: Any) -> None:
                if len(index) != 1:
                    raise ValueError("index is not one number")
                target[index[0]] = conv(value)
            return row

        def lldp_row(index: tuple[int, ...], value: Any) -> None:
            if len(index) != 4:
                raise ValueError("index is not column.timeMark.localPort.remIndex")
            column, local = index[0], index[2]
            nb = t.lldp.get(local) or LldpNeighbour(local)
            if column == LLDP_REM_SYS_NAME:
                nb = LldpNeighbour(local, _text(value), nb.port_id, nb.is_bridge)
            elif column == LLDP_REM_PORT_ID:
                nb = LldpNeighbour(local, nb.sys_name, _text(value), nb.is_bridge)
            elif column == LLDP_REM_SYS_CAP_ENABLED:
                caps = bytes(value.asOctets()) if isinstance(value, univ.OctetString) else b""
                nb = LldpNeighbour(local, nb.sys_name, nb.port_id, bool(caps and caps[0] & 0x20))  # bit 2: bridge
            else:
                return
            if local in t.lldp or len(t.lldp) < 4096:
                t.lldp[local] = nb

        try:
            await self.table(DOT1Q_TP_FDB_PORT, "dot1qTpFdbTable", q_row)
            t.fdb_table = "dot1q" if t.fdb else ""
            if not t.fdb:
                await self.table(DOT1D_TP_FDB_PORT, "dot1dTpFdbTable", d_row)
                t.fdb_table = "dot1d" if t.fdb else ""
            await self.table(DOT1D_BASE_PORT_IFINDEX, "dot1dBasePortIfIndex", keyed(t.port_ifindex, _int))
            await self.table(IF_NAME, "ifName", keyed(t.if_name, _text))
            await self.table(IF_ALIAS, "ifAlias", keyed(t.if_alias, _text))
            await self.table(IF_DESCR, "ifDescr", keyed(t.if_descr, _text))
            await self.table(LLDP_REM, "lldpRemTable", lldp_row)
        except _Stop:
            pass  # row cap: what was read is kept, the line is in problems


def _mac(octets: tuple[int, ...]) -> str:
    return ":".join(f"{b:02x}" for b in octets)


def read_switch(
    address: str,
    auth: SnmpAuth,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    budget: float = DEFAULT_BUDGET,
    max_rows: int = DEFAULT_MAX_ROWS,
    port: int = SNMP_PORT,
) -> SwitchTables:
    """Read one switch's tables; never raises for anything the switch does."""
    started = time.monotonic()
    reader = _Reader(address, auth, timeout, max_rows, port)

    async def run() -> None:
        try:
            await asyncio.wait_for(reader.read(), timeout=budget)
        except TimeoutError:
            reader._problem(f"switch read stopped after its budget of {budget:.0f}s; what was read is kept")
        finally:
            reader.engine.close_dispatcher()

    try:
        asyncio.run(run())
    except Exception as exc:  # noqa: BLE001 - pysnmp can fail in ways a switch provokes
        reader._problem(f"SNMP error: {type(exc).__name__}")
    reader.tables.elapsed = round(time.monotonic() - started, 3)
    return reader.tables


def read_system(address: str, auth: SnmpAuth, *, timeout: float = DEFAULT_TIMEOUT, port: int = SNMP_PORT) -> tuple[str, str] | None:
    """``(sysDescr, sysObjectID)`` of one host, or None if it did not answer (identification)."""
    reader = _Reader(address, auth, timeout, 4, port)

    async def run() -> dict[tuple[int, ...], Any]:
        try:
            await reader.open()
            return await asyncio.wait_for(reader.get(SYS_DESCR, SYS_OBJECT_ID), timeout=timeout * 2)
        finally:
            reader.engine.close_dispatcher()

    try:
        values = asyncio.run(run())
    except Exception:  # noqa: BLE001 - no answer, refused, or garbage: nothing to observe
        return None
    descr, oid = values.get(SYS_DESCR), values.get(SYS_OBJECT_ID)
    try:
        text = _text(descr) if descr is not None and not _is_end(descr) else ""
    except _Stop:
        text = ""
    oid_text = ".".join(map(str, tuple(oid))) if isinstance(oid, univ.ObjectIdentifier) else ""
    return (text, oid_text) if (text or oid_text) else None


__all__ = ["FdbEntry", "LldpNeighbour", "SnmpAuth", "SwitchTables", "read_switch", "read_system", "rfc1902"]
