# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place for device addresses: IP and host-name rules, the management endpoint (port 9091), the
S3 and EC2 endpoint URLs (ports 8443 and 8243), and the per-node names of a cluster."""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError

MANAGEMENT_PORT = 9091
# The device's HTTPS ports (developer guide, "Port requirements"): S3 adapter 8443, EC2 8243.
SERVICE_PORTS = (("s3", 8443), ("ec2", 8243))
_HOST = r"(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])"
_ENDPOINT = re.compile(r"(?:(?i:https)://)?(?P<host>%s)(?::%d)?/?\Z" % (_HOST, MANAGEMENT_PORT))
# RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens, 1-63 each, 253 in all;
# the last label is not all digits (so a malformed IPv4 address is not taken for a name).
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\Z")


def device_host(value):
    """The host of a device address (IPv4, [IPv6] or bare IPv6, RFC 1123 host name) in one canonical
    spelling (IPv6 bracketed and compressed, names in lower case), or None when it is none of them."""
    if not isinstance(value, str) or not value:
        return None
    bracketed = value.startswith("[") and value.endswith("]")
    try:
        address = ipaddress.ip_address(value[1:-1] if bracketed else value)
    except ValueError:
        address = None
    if address is not None:
        if address.version == 6:
            return "[%s]" % address.compressed
        return None if bracketed else address.compressed
    if bracketed or len(value) > 253:
        return None
    labels = value.split(".")
    if not all(_LABEL.match(label) for label in labels) or labels[-1].isdigit():
        return None
    return value.lower()


def normalize_endpoint(value):
    """``https://HOST`` for a device IP, host name or ``https://`` URL on the management port."""
    match = _ENDPOINT.match(value.strip()) if isinstance(value, str) else None
    host = device_host(match.group("host")) if match else None
    if host is None and isinstance(value, str) and value.strip().count(":") > 1:
        host = device_host(value.strip())  # a bare IPv6 address: its colons are not a port
        host = host if host and host.startswith("[") else None
    if host is None:
        raise SnowballError("endpoint %r is not a device address: give the IP the device shows on its display, "
                            "for example 192.0.2.10 or https://192.0.2.10 (no user name, password, path or "
                            "port other than %d)." % (value, MANAGEMENT_PORT))
    return "https://" + host


def endpoint_ip(endpoint):
    """The IP address of a normalised endpoint, or None when it names a host."""
    return ip_or_none(endpoint[len("https://"):])


def ip_or_none(value):
    """``value`` (``192.0.2.10``, ``[2001:db8::10]``) as an IP address in its compressed spelling, or None."""
    try:
        return str(ipaddress.ip_address(value.strip("[]")))
    except ValueError:
        return None


def check_device_ips(values):
    """``values`` as given, once each is a device address and none is listed twice (the client would
    address that device twice)."""
    seen = {}
    for value in values or []:
        host = device_host(value)
        if host is None:
            raise SnowballError("cluster_ips entry %r is not a device IP address (IPv4, IPv6 or a host name): give "
                                "the IPs the devices show on their displays." % (value,))
        if host in seen:
            raise SnowballError("cluster_ips lists the device %s twice (%r and %r): list each device once."
                                % (host, seen[host], value))
        seen[host] = value
    return values


def unlock_ips(endpoint, cluster_ips):
    """What unlock-cluster and describe-cluster get as --device-ip-addresses: every node once (check_device_ips
    refused duplicates), the endpoint's IP included (developer guide using-client-commands.md: "the endpoint
    for one of your nodes, and all the IP addresses for the other devices"; its example lists the endpoint's
    own IP first)."""
    host = endpoint[len("https://"):]
    ips = list(cluster_ips)
    if device_host(host) not in {device_host(ip) for ip in ips}:
        ips.insert(0, host)
    return ips


def same_address(one, other):
    """Whether two spellings name one device (``2001:db8::1`` and ``[2001:db8:0::1]``, the case of a name)."""
    one_ip, other_ip = ip_or_none(one), ip_or_none(other)
    if one_ip and other_ip:
        return one_ip == other_ip
    return one.strip("[]").lower() == other.strip("[]").lower()


def device_ip(value):
    """The IP address in ``value`` (``192.0.2.10``, ``https://192.0.2.10``, ``[2001:db8::10]``)."""
    text = value.strip() if isinstance(value, str) else ""
    if text.startswith("https://"):
        text = text[len("https://"):].rstrip("/")
    ip = ip_or_none(text)
    if ip is None:
        raise SnowballError("device_ip %r is not an IP address: give the IP the device shows on its display (the "
                            "device's certificate names its IP, not a host name)." % (value,))
    return ip


def url_host(ip):
    """An IP address as the host of a URL: an IPv6 address in brackets."""
    return "[%s]" % ip if ipaddress.ip_address(ip).version == 6 else ip


def endpoint_urls(ip):
    """``{service: https://IP:port}`` for the device's S3 and EC2 endpoints."""
    return {service: "https://%s:%d" % (url_host(ip), port) for service, port in SERVICE_PORTS}


def node_ip(value):
    """A cluster node's IP from cluster_ips: each node's certificate names its IP, so a host name is refused."""
    ip = ip_or_none(value)
    if ip is None:
        raise SnowballError("cluster_ips entry %r is not an IP address: each node's certificate names its IP, "
                            "so give the IPs the nodes show on their displays." % value)
    return ip


def node_profile_name(aws_profile, ip):
    """The AWS profile of one cluster node: ``NAME-IP``, with an IPv6 address's colons as ``-`` (a profile
    name takes no colon or bracket)."""
    return "%s-%s" % (aws_profile, node_ip(ip).replace(":", "-"))
