"""SNMP identification: ``sysDescr`` and ``sysObjectID`` of a host, only when the user gave SNMP
credentials (``--snmp-credentials``) that cover it. Without them this probe sends nothing.

One read-only GET (pysnmp, via ``scanner.locate.snmp.read_system``), bounded by the scan's
timeout. The observations are ``snmp.sys_descr`` and ``snmp.sys_object_id`` (dotted numbers);
the maker resolver reads them like any other field.
"""

from __future__ import annotations

import time

from ..models import AttemptStatus, Host, Observation, ProbeAttempt, ProbeOutput
from .base import HostProbe, ProbeContext


class SnmpProbe(HostProbe):
    name = "snmp"
    description = "SNMP sysDescr/sysObjectID (only with --snmp-credentials covering the host)"
    stage = 1

    def probe(self, ctx: ProbeContext, host: Host) -> ProbeOutput:
        out = ProbeOutput()
        creds = ctx.snmp_credentials
        if creds is None or host.ip not in ctx.scope or getattr(creds, "for_host")(host.ip) is None:
            return out  # no credentials for this host: nothing is sent
        from ..locate import system_observations

        started = time.monotonic()
        ctx.wait_turn()
        found = system_observations(host.ip, creds, timeout=ctx.timeout)  # type: ignore[arg-type]
        for field_name, value in found:
            out.observations.append(Observation(host.ip, self.name, field_name, value, 161))
        status = AttemptStatus.OK if found else AttemptStatus.NO_REPLY
        out.attempts.append(ProbeAttempt(self.name, host.ip, status, "", round(time.monotonic() - started, 3)))
        return out
