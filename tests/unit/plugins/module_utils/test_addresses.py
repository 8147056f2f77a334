# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Device addresses: endpoints, cluster IPs, the S3 and EC2 URLs and per-node names."""

from __future__ import annotations

import pytest

from ansible_collections.fieldops.snowball.plugins.module_utils import _addresses
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError


@pytest.mark.parametrize("given,expected", [
    ("192.0.2.10", "https://192.0.2.10"),
    ("https://192.0.2.10", "https://192.0.2.10"),
    ("https://192.0.2.10:9091/", "https://192.0.2.10"),
    ("snowball-1.example.net", "https://snowball-1.example.net"),
    ("[2001:db8::10]", "https://[2001:db8::10]"),
])
def test_endpoints_are_normalised(given, expected):
    assert _addresses.normalize_endpoint(given) == expected


@pytest.mark.parametrize("given", [
    "192.0.2.10; rm -rf ~", "$(id)", "192.0.2.10`id`", "https://admin:secret@192.0.2.10",
    "https://192.0.2.10/path", "http://192.0.2.10", "192.0.2.10:8443", "", " ", None,
])
def test_bad_endpoints_are_refused(given):
    with pytest.raises(SnowballError, match="not a device address"):
        _addresses.normalize_endpoint(given)


@pytest.mark.parametrize("given, expected", [
    ("2001:db8::10", "https://[2001:db8::10]"),            # a bare IPv6 address: its colons are no port
    ("https://[2001:DB8:0::10]:9091", "https://[2001:db8::10]"),
    ("Snowball-1.Example.NET", "https://snowball-1.example.net"),
])
def test_more_endpoints_are_normalised(given, expected):
    assert _addresses.normalize_endpoint(given) == expected


@pytest.mark.parametrize("given", ["999.999.999.999", "[:::]", "https://[:::]", "1.2.3", "010.0.0.1",
                                   "[192.0.2.10]", "-device.example", "device-.example", "a..b", "--unlock-code",
                                   "x" * 64 + ".example", "192.0.2.10.", "device_1.example"])
def test_invalid_endpoints_are_refused(given):
    with pytest.raises(SnowballError, match="not a device address"):
        _addresses.normalize_endpoint(given)


@pytest.mark.parametrize("ips", [["192.0.2.10", "192.0.2.11"], ["2001:db8::10", "[2001:db8::11]"],
                                 ["node-1.example", "node-2.example"], [], None])
def test_valid_cluster_ips_are_kept_as_given(ips):
    assert _addresses.check_device_ips(ips) == ips


@pytest.mark.parametrize("ips, message", [
    (["192.0.2.10", "192.0.2.10"], "twice"),
    (["2001:db8::10", "[2001:DB8:0::10]"], "twice"),
    (["Node-1.example", "node-1.example"], "twice"),
    (["192.0.2.10", "999.999.999.999"], "not a device IP address"),
    (["[:::]"], "not a device IP address"),
    (["--unlock-code"], "not a device IP address"),
    (["192.0.2.10 192.0.2.11"], "not a device IP address"),
])
def test_bad_cluster_ips_are_refused(ips, message):
    with pytest.raises(SnowballError, match=message):
        _addresses.check_device_ips(ips)


def test_endpoint_is_added_to_cluster_ips_once_and_duplicates_are_refused():
    """DG using-client-commands.md: the endpoint of one node, and all the IP addresses of the others."""
    assert _addresses.unlock_ips("https://192.0.2.1", ["192.0.2.2", "192.0.2.3"]) == ["192.0.2.1", "192.0.2.2", "192.0.2.3"]
    assert _addresses.unlock_ips("https://192.0.2.1", ["192.0.2.2", "192.0.2.1"]) == ["192.0.2.2", "192.0.2.1"]
    assert _addresses.unlock_ips("https://[2001:db8::1]", ["2001:db8:0::1"]) == ["2001:db8:0::1"]
    with pytest.raises(SnowballError, match="lists the device 192.0.2.2 twice"):
        _addresses.check_device_ips(["192.0.2.2", "192.0.2.2"])


def test_device_endpoints():
    assert _addresses.endpoint_urls("2001:db8::10") == {"s3": "https://[2001:db8::10]:8443",
                                                        "ec2": "https://[2001:db8::10]:8243"}
    assert _addresses.device_ip("https://[2001:DB8::10]/") == "2001:db8::10"
    with pytest.raises(SnowballError, match="device_ip 'snowball.example.net' is not an IP address"):
        _addresses.device_ip("snowball.example.net")


@pytest.mark.parametrize("pasted", ["HTTPS://192.0.2.10/", "Https://192.0.2.10:9091", " https://192.0.2.10/ "])
def test_an_endpoint_pasted_from_a_browser_is_the_device(pasted):
    assert _addresses.normalize_endpoint(pasted) == "https://192.0.2.10"
