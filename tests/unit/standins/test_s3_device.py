# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The device-like S3 endpoint refuses what a device refuses and nothing a plain, path-style request sends
(the endpoint itself, with real clients, is tested in tests/integration/test_device_s3.py)."""

from __future__ import annotations

import pytest

from ansible_collections.fieldops.snowball.tests.standins import netns
from ansible_collections.fieldops.snowball.tests.standins.s3_device import NOT_IMPLEMENTED, DeviceS3Server, refusal

IP = "192.0.2.10"
HOST = IP + ":8443"
PLAIN = {"Host": HOST, "Content-Length": "12", "x-amz-content-sha256": "ab" * 32, "Content-MD5": "x",
         "x-amz-checksum-mode": "ENABLED"}


def test_a_plain_path_style_request_is_accepted():
    assert refusal(PLAIN, HOST, IP) is None
    assert refusal(dict(PLAIN, **{"x-amz-content-sha256": "UNSIGNED-PAYLOAD"}), HOST, IP) is None


@pytest.mark.parametrize("header, value", [
    ("Content-Encoding", "aws-chunked"),
    ("Content-Encoding", "gzip,aws-chunked"),
    ("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
    ("x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"),
    ("Transfer-Encoding", "chunked"),
    ("x-amz-trailer", "x-amz-checksum-crc32"),
    ("x-amz-decoded-content-length", "12"),
    ("x-amz-sdk-checksum-algorithm", "CRC32"),
    ("x-amz-checksum-crc32", "AAAAAA=="),
    ("X-Amz-Checksum-Algorithm", "CRC32"),
])
def test_chunked_bodies_and_checksums_are_not_implemented(header, value):
    error = refusal(dict(PLAIN, **{header: value}), HOST, IP)
    assert (error.status, error.code) == (501, "NotImplemented") and error.message.startswith(NOT_IMPLEMENTED)


@pytest.mark.parametrize("host", ["field-data." + HOST, "field-data.%s" % IP, "s3.amazonaws.com"])
def test_a_virtual_hosted_style_request_is_not_implemented(host):
    assert refusal(dict(PLAIN, Host=host), host, IP).code == "NotImplemented"


def test_the_port_does_not_matter_to_the_host_check():
    assert refusal(PLAIN, IP, IP) is None


def test_only_the_two_documented_kinds_exist():
    with pytest.raises(ValueError):
        DeviceS3Server(IP, ("cert", "key"), "AKIA", "secret", kind="minio")


def test_a_namespace_needs_root(monkeypatch):
    monkeypatch.setattr(netns.os, "geteuid", lambda: 1000)
    assert "root" in netns.unavailable_reason()
