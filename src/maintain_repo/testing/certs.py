"""`Certificate`: a throwaway certificate authority and a server certificate for the loopback
servers (127.0.0.1 and localhost), written as PEM files so a client can trust the CA.

This module owns the key material of the test servers' TLS; nothing here is fit for
anything but tests. Keys are EC P-256: generating both takes a few milliseconds.
"""

from __future__ import annotations

import ipaddress
import shutil
import ssl
import tempfile
import weakref
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# Certificates start a little in the past so a client whose clock lags still accepts them.
_SKEW = timedelta(hours=1)
# The CA outlives the server certificate by far, so expiry tests are about the server's.
_CA_MARGIN = timedelta(days=365)


class Certificate:
    """A self-signed CA (common name `issuer`) and a server certificate it signed for
    127.0.0.1 (IP SAN) and localhost (DNS SAN), valid from `not_before` to `not_after`.

    By default the server certificate is valid for `days_valid` days from now; pass
    `not_after` (and `not_before`) in the past for an expired one. The PEM files go to
    `directory` (default: a temporary directory removed when this object is collected).
    """

    def __init__(
        self,
        directory: Path | str | None = None,
        *,
        days_valid: float = 30.0,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        issuer: str = "maintain test CA",
        common_name: str = "localhost",
    ) -> None:
        self.not_before, self.not_after = _validity(days_valid, not_before, not_after)
        self.issuer = issuer
        self.directory = _directory(self, directory)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        server_key = ec.generate_private_key(ec.SECP256R1())
        ca = _ca_certificate(ca_key, issuer, self.not_before - _SKEW, self.not_after + _CA_MARGIN)
        server = _server_certificate(
            server_key, ca, ca_key, common_name, self.not_before, self.not_after
        )
        self.ca_pem = ca.public_bytes(serialization.Encoding.PEM)
        self.cert_pem = server.public_bytes(serialization.Encoding.PEM)
        self.key_pem = server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        self.ca_path.write_bytes(self.ca_pem)
        self.cert_path.write_bytes(self.cert_pem)
        self.key_path.write_bytes(self.key_pem)

    @property
    def ca_path(self) -> Path:
        """The CA certificate: `ssl.create_default_context(cafile=...)` or SSL_CERT_FILE."""
        return self.directory / "ca.pem"

    @property
    def cert_path(self) -> Path:
        return self.directory / "server.pem"

    @property
    def key_path(self) -> Path:
        return self.directory / "server.key"

    def server_context(self) -> ssl.SSLContext:
        """A fresh server-side context presenting the server certificate."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_path, self.key_path)
        return context

    def client_context(self) -> ssl.SSLContext:
        """A verifying client context that trusts this CA (and nothing else)."""
        return ssl.create_default_context(cafile=str(self.ca_path))


def _validity(
    days_valid: float, not_before: datetime | None, not_after: datetime | None
) -> tuple[datetime, datetime]:
    if days_valid <= 0:
        raise ValueError("days_valid is positive: pass not_after in the past for an expired one")
    # X.509 times have whole seconds; truncating keeps `not_after` equal to what peers see.
    now = datetime.now(UTC).replace(microsecond=0)
    end = _utc(not_after) if not_after is not None else now + timedelta(days=days_valid)
    start = (
        _utc(not_before)
        if not_before is not None
        else min(now - _SKEW, end - timedelta(days=days_valid))
    )
    if start >= end:
        raise ValueError(f"not_before ({start}) must be earlier than not_after ({end})")
    return start, end


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"{moment} has no time zone")
    return moment.astimezone(UTC).replace(microsecond=0)


def _directory(owner: Certificate, directory: Path | str | None) -> Path:
    if directory is not None:
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        return path
    path = Path(tempfile.mkdtemp(prefix="maintain-certs-"))
    # finalize (not TemporaryDirectory) so an uncollected object warns about nothing.
    weakref.finalize(owner, shutil.rmtree, path, ignore_errors=True)
    return path


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "maintain testing"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key_usage(*, ca: bool) -> x509.KeyUsage:
    # A CA signs certificates; the server only signs its TLS handshakes (ECDSA).
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _ca_certificate(
    key: ec.EllipticCurvePrivateKey, issuer: str, start: datetime, end: datetime
) -> x509.Certificate:
    name = _name(issuer)
    public = key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )


def _server_certificate(
    key: ec.EllipticCurvePrivateKey,
    ca: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    common_name: str,
    start: datetime,
    end: datetime,
) -> x509.Certificate:
    public = key.public_key()
    names = x509.SubjectAlternativeName(
        [x509.IPAddress(ipaddress.IPv4Address("127.0.0.1")), x509.DNSName("localhost")]
    )
    return (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(ca.subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(ca=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(names, critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
