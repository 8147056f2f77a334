# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a simulated device reports beyond its lock: the services it runs (S3 adapter or S3 compatible storage
on Snow, EC2), its software and certificate expiry, and how reboots and power cuts change it over time.

Sources ("DG" = the Snowball Edge developer guide, archived ``awsdocs/aws-snowball-developer-guide``,
``doc_source/``) are cited at each behaviour. Functions here take and change a device record (a dict from
``snowball_edge_sim.make_device``) and never print; the simulator prints what they return.
"""

from __future__ import annotations

import datetime
import ipaddress
import time
import uuid

# DG port-requirements.md: 8080/8443 the S3 adapter (HTTP/HTTPS), 8008/8243 EC2, 443 S3 compatible storage on Snow.
S3_ADAPTER_PORTS = (("http", 8080), ("https", 8443))
EC2_PORTS = (("http", 8008), ("https", 8243))
S3_SNOW_PORT = 443
S3_KINDS = ("adapter", "s3-snow")
# DG using-client-commands.md, "Getting Service Status": the states describe-service reports.
SERVICE_STATES = ("ACTIVE", "ACTIVATING", "DEACTIVATING", "DEGRADED", "INACTIVE")
# DG updating-device.md, "Update the SSL certificate": a device kept "for more than 360 days" needs a new one.
CERTIFICATE_DAYS = 360


class UnknownService(LookupError):
    """describe-service for a service the device does not run."""


def new_device_id():
    """A DeviceId shaped like DG using-client-commands.md's examples ("JIDEXAMPLE2-bc53-4618-a538-917EXAMPLE94",
    "JID6ebd4c50-c3a1-4b16-b32c-b254f9b7f2dc"): JID and a UUID. A stand-alone device gets its own, not its
    job's id: the guide says a node ID is "the same as the job ID" only for cluster nodes (ClusterOverview.md,
    which Site.add_cluster follows), so the stricter reading keeps nothing relying on the two being equal."""
    return "JID" + str(uuid.uuid4())


def s3_snow_ips(ip):
    """Default addresses of the two virtual network interfaces S3 compatible storage on Snow is started on (DG
    s3-edge-snow-setting-up.md: one VNI for the s3control bucket endpoint, one for the s3api object endpoint),
    in the device's network: the device's address plus 100 and 101 (the stand-in's choice)."""
    address = ipaddress.ip_address(ip)
    return [str(address + 100), str(address + 101)]


def service_ids(device):
    """list-services: DG using-client-commands.md's example lists "s3" (the adapter) and "s3-snow" side by side;
    a stand-in device runs one kind of S3 (``device["s3"]``), and EC2."""
    return ["s3-snow" if device.get("s3") == "s3-snow" else "s3", "ec2"]


def _certificate_association(device):
    certificate = device.get("certificate")
    return {"CertificateArn": certificate["arn"]} if certificate else None


def _endpoint(protocol, port, host, device=None, **extra):
    endpoint = {"Protocol": protocol, "Port": port, "Host": host}
    if protocol == "https" and device is not None and _certificate_association(device):
        endpoint["CertificateAssociation"] = _certificate_association(device)
    endpoint.update(extra)
    return endpoint


def describe_service(device, service_id, members=()):
    """describe-service --service-id ID, shaped as DG using-client-commands.md's two examples ("s3": HTTP 8080
    and HTTPS 8443 on the device's IP with its certificate; "s3-snow": HTTPS 443 on the bucket and object
    virtual network interface IPs of every node, each with its DeviceId and status). ``members``: the other
    nodes of the device's cluster, listed too for s3-snow (the example shows five nodes' endpoints)."""
    if service_id not in service_ids(device):
        raise UnknownService(service_id)
    ip = device["ip"]
    if service_id == "s3":
        return {"ServiceId": "s3", "Status": {"State": "ACTIVE"},
                "Storage": {"TotalSpaceBytes": 99608745492480, "FreeSpaceBytes": 99608744468480},
                "Endpoints": [_endpoint(protocol, port, ip, device) for protocol, port in S3_ADAPTER_PORTS]}
    if service_id == "ec2":
        return {"ServiceId": "ec2", "Status": {"State": "ACTIVE"},
                "Endpoints": [_endpoint(protocol, port, ip, device) for protocol, port in EC2_PORTS]}
    endpoints = []
    for node in [device] + [member for member in members if member is not device]:
        bucket_ip, object_ip = node.get("s3_snow_ips") or s3_snow_ips(node["ip"])
        for host, description in ((bucket_ip, "s3-snow bucket API endpoint"), (object_ip, "s3-snow object API endpoint")):
            endpoints.append(_endpoint("https", S3_SNOW_PORT, host, node, Description=description,
                                       DeviceId=node["device_id"], Status={"State": "ACTIVE"}))
    return {"ServiceId": "s3-snow", "Autostart": False, "Status": {"State": "ACTIVE"},
            "ServiceCapacities": [{"Name": "S3 Storage", "Unit": "Byte", "Used": 640303104, "Available": 219571981512}],
            "Endpoints": endpoints}


def java_date(epoch):
    """java.util.Date.toString(): "EEE MMM dd HH:mm:ss zzz yyyy", in UTC here. DG prints "Thur Jan 01 00:00:00 UTC
    1970"; Java's own abbreviation is "Thu", which is what this prints."""
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%a %b %d %H:%M:%S UTC %Y")


def software_lines(device):
    """describe-device-software (DG using-client-commands.md, "Updating Snowball Edge devices": installed
    version, install state NA when no update is in progress, and the certificate's expiry as
    ``CertificateExpiry: <date>``; DG updating-device.md says to read the expiry from there)."""
    lines = ["Installed version: %s" % device.get("software_version", 101), "Install State: NA"]
    if device.get("certificate_expires") is not None:
        lines.append("CertificateExpiry: %s" % java_date(device["certificate_expires"]))
    return "\n".join(lines)


# --- reboots and power cuts


def cut_power(device, after=0.0, down_seconds=60.0, boot_seconds=0.0, now=None):
    """From ``after`` seconds on, the device does not answer at all for ``down_seconds`` (off, or on its way
    down and up), then refuses connections for ``boot_seconds`` (booting: DG getting-started-connect.md, ready
    "after about 10 minutes"), then answers LOCKED. It comes back locked because nothing keeps an unlock across a
    restart: DG says EC2 instances can autostart "after your device is unlocked" following "planned or
    unplanned reboots", and a software update takes reboot-device twice and then unlock-device
    (updating-device.md)."""
    start = (time.time() if now is None else now) + after
    device["power"] = {"cut_at": start, "answers_at": start + down_seconds, "applied": False}
    device["boots_at"] = start + down_seconds + boot_seconds if boot_seconds else None


def apply_power(device, now=None):
    """Move a power cut on by the clock: once it has happened the unlock is gone."""
    power = device.get("power")
    now = time.time() if now is None else now
    if power and not power["applied"] and now >= power["cut_at"]:
        device["state"] = "LOCKED"
        device["unlocking_since"] = None
        device["refusing"] = False
        power["applied"] = True
    return device


def powered_down(device, now=None):
    """True while a power cut keeps the device from answering at all."""
    power = device.get("power")
    now = time.time() if now is None else now
    return bool(power) and power["cut_at"] <= now < power["answers_at"]
