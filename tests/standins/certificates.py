# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Self-signed certificates for the stand-ins: the TLS API's private CA and each device's own certificate."""

from __future__ import annotations

import datetime
import os


def build_certificate(host="127.0.0.1", common_name="fieldops stand-in CA"):
    """A self-signed certificate for ``host`` (an IP address) that is its own CA: returns (certificate PEM,
    key PEM) as bytes. Serves the TLS API stand-in and each simulated device's own certificate (a device
    generates a self-signed certificate whose subject alternative name is its IP, developer guide
    using-client-commands.md, "Getting Your Certificate")."""
    import ipaddress  # pylint: disable=import-outside-toplevel

    from cryptography import x509  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives import hashes, serialization  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives.asymmetric import ec  # pylint: disable=import-outside-toplevel
    from cryptography.x509.oid import NameOID  # pylint: disable=import-outside-toplevel

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    public_key = key.public_key()
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public_key), critical=False)
        .sign(key, hashes.SHA256())
    )
    return (certificate.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


def make_certificate(directory, host="127.0.0.1"):
    """A self-signed certificate for ``host`` (an IP address), as a private CA would issue through a TLS
    inspecting proxy: returns (certificate file, key file); the certificate file is also the CA bundle."""
    certificate, key = build_certificate(host)
    cert_path, key_path = os.path.join(directory, "standin-ca.pem"), os.path.join(directory, "standin-key.pem")
    with open(cert_path, "wb") as handle:
        handle.write(certificate)
    with open(key_path, "wb") as handle:
        handle.write(key)
    return cert_path, key_path
