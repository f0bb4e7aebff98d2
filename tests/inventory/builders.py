"""Scan documents for inventory tests, built the way the engine builds them."""

from __future__ import annotations

from scanner.models import Classification, Device, DeviceType, Evidence, ScanDocument, ScanInfo

SCOPE = ("198.18.0.0/24",)


def device(
    ip: str,
    mac: str | None = None,
    *,
    vendor: str | None = "BrandA",
    platform: str | None = None,
    firmware: str | None = "1.0",
    serial: str | None = None,
    verdict: Classification = Classification.CLEAR,
    endpoint: str | None = None,
    evidence: tuple[Evidence, ...] = (),
) -> Device:
    """A scanned device as the engine reports one. Vendor names are neutral placeholders: the
    inventory keeps no vendor knowledge, so none is needed to test it."""
    ev = evidence + ((Evidence(probe="wsdiscovery", field="wsd.endpoint", value=endpoint),) if endpoint else ())
    return Device(
        ip=ip, mac=mac, vendor=vendor, platform_vendor=platform or vendor, model="M1", firmware=firmware,
        serial=serial, device_type=DeviceType.CAMERA, classification=verdict, confidence=0.9,
        reasons=(f"test verdict {verdict.value}",), evidence=ev,
    )


def scan(*devices: Device, scope: tuple[str, ...] = SCOPE, complete: bool = True) -> ScanDocument:
    info = ScanInfo(started="2025-01-01T00:00:00Z", finished="2025-01-01T00:05:00Z", scope=scope,
                    probes=("arp", "http"), complete=complete)
    return ScanDocument(scan=info, devices=tuple(devices))
