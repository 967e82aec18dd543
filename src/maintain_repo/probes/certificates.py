"""What a TLS peer certificate says: expiry, issuer, subject (from its DER bytes)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any


def describe(
    der: bytes | None, now: datetime, *, verified: bool, version: str | None
) -> dict[str, Any]:
    """The `tls` map conditions read; empty fields when there is no certificate."""
    info: dict[str, Any] = {
        "verified": verified,
        "version": version or "",
        "days_remaining": None,
        "not_after": "",
        "issuer": "",
        "subject": "",
        "names": [],
    }
    if not der:
        return info
    from cryptography import x509

    cert = x509.load_der_x509_certificate(der)
    not_after = cert.not_valid_after_utc
    info["days_remaining"] = math.floor((not_after - now).total_seconds() / 86400)
    info["not_after"] = not_after.strftime("%Y-%m-%dT%H:%M:%SZ")
    info["issuer"] = _common_name(cert.issuer) or cert.issuer.rfc4514_string()
    info["subject"] = _common_name(cert.subject) or cert.subject.rfc4514_string()
    try:
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        info["names"] = [str(value) for value in names.get_values_for_type(x509.DNSName)] + [
            str(value) for value in names.get_values_for_type(x509.IPAddress)
        ]
    except x509.ExtensionNotFound:
        pass
    return info


def _common_name(name: Any) -> str:
    from cryptography.x509.oid import NameOID

    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(values[0].value) if values else ""
