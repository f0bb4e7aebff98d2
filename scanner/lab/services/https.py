"""The device's HTTPS web server: the same answers as HTTP, behind a certificate generated at
start with the subject (and issuer name) the profile gives, so a probe reads the device's own
certificate names. Generated with ``cryptography``; the key never leaves the device process.
"""

from __future__ import annotations

import datetime
import os
import ssl
import tempfile
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from ._httpcore import HttpService
from ._template import device_values, fill
from .base import DeviceContext

_OIDS = {
    "CN": NameOID.COMMON_NAME, "C": NameOID.COUNTRY_NAME, "ST": NameOID.STATE_OR_PROVINCE_NAME,
    "L": NameOID.LOCALITY_NAME, "O": NameOID.ORGANIZATION_NAME, "OU": NameOID.ORGANIZATIONAL_UNIT_NAME,
    "emailAddress": NameOID.EMAIL_ADDRESS,
}


def _name(fields: dict[str, Any], values: dict[str, str]) -> x509.Name:
    attrs = []
    for key, value in fields.items():
        if key not in _OIDS:
            raise ValueError(f"unknown certificate name field {key!r}")
        attrs.append(x509.NameAttribute(_OIDS[key], fill(str(value), values)))
    return x509.Name(attrs)


def make_context(cert_cfg: dict[str, Any], device: DeviceContext) -> ssl.SSLContext:
    values = device_values(device.ip, device.mac)
    subject = _name(cert_cfg.get("subject") or {"CN": device.ip}, values)
    issuer = _name(cert_cfg["issuer"], values) if cert_cfg.get("issuer") else subject
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    fd, path = tempfile.mkstemp(prefix="cctvlab-cert-", suffix=".pem")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(cert.public_bytes(serialization.Encoding.PEM))
            fh.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
        ctx.load_cert_chain(path)
    finally:
        os.unlink(path)
    return ctx


def start(device: DeviceContext, config: dict[str, Any]) -> HttpService:
    cfg = dict(config)
    source = cfg.get("routes_from")
    if source:
        base = (device.profile.get("services") or {}).get(source) or {}
        for key in ("routes", "headers", "protocol", "default"):
            if key not in cfg and key in base:
                cfg[key] = base[key]
    tls = make_context(cfg.get("certificate") or {}, device)
    return HttpService(device, cfg, int(cfg.get("port", 443)), tls=tls)
