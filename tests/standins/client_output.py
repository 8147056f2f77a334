# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the simulated client prints about a device: JSON as the real client's Jackson prints it, and the
documented shapes of describe-device, describe-cluster's members and unlock's answers.

Sources as in snowball_edge_sim.py ("DG" the developer guide, "API" the on-device API's generated client).
"""

from __future__ import annotations

import hashlib
import json

try:
    from .simulated_devices import REACHABLE, UNREACHABLE, connection_of, settle
except ImportError:  # loaded by the client itself, outside the package (see snowball_edge_sim)
    from simulated_devices import REACHABLE, UNREACHABLE, connection_of, settle  # pylint: disable=import-error


def jackson(value, level=0):
    """JSON as the client prints it: Jackson's default pretty printer (`"Key" : value`, arrays inline as
    `[ {` ... `} ]`), the shape of every example in DG using-client-commands.md."""
    pad = "  "
    if isinstance(value, dict):
        if not value:
            return "{ }"
        members = ",\n".join("%s%s : %s" % (pad * (level + 1), json.dumps(key), jackson(item, level + 1))
                             for key, item in value.items())
        return "{\n%s\n%s}" % (members, pad * level)
    if isinstance(value, list):
        return "[ %s ]" % ", ".join(jackson(item, level) for item in value) if value else "[ ]"
    return json.dumps(value)


def print_json(value):
    print(jackson(value))


def mac_of(ip, port):
    digits = hashlib.sha256(("%s/%d" % (ip, port)).encode()).hexdigest()
    return ":".join(["02"] + [digits[index:index + 2].upper() for index in range(0, 10, 2)])


def physical_interfaces(device):
    """Three ports as in DG "Getting Device Status": the active one on DHCP with the device's IP."""
    ip = device["ip"]
    gateway = ip.rsplit(".", 1)[0] + ".1" if ip.count(".") == 3 else ip
    ports = []
    for number, (connector, active) in enumerate((("RJ45", True), ("SFP_PLUS", False), ("QSFP", False))):
        ports.append({
            "PhysicalNetworkInterfaceId": "s.ni-" + hashlib.sha256(("%s/%d" % (ip, number)).encode()).hexdigest()[:17],
            "PhysicalConnectorType": connector,
            "IpAddressAssignment": "DHCP" if active else "STATIC",
            "IpAddress": ip if active else "0.0.0.0",
            "Netmask": "255.255.255.0" if active else "0.0.0.0",
            "DefaultGateway": gateway,
            "MacAddress": mac_of(ip, number),
        })
    return ports


def describe(device):
    """describe-device: DG "Getting Device Status" and API DescribeDeviceOutput."""
    out = {
        "DeviceId": device["device_id"],
        "UnlockStatus": {"State": device["state"]},
        "ActiveNetworkInterface": {"IpAddress": device["ip"]},
        "PhysicalNetworkInterfaces": physical_interfaces(device),
        "DeviceType": device.get("device_type", "V3_5C"),
    }
    if device.get("cluster_id"):
        out["ClusterAssociation"] = {"ClusterId": device["cluster_id"], "State": device.get("association", "ASSOCIATED")}
    return out


def describe_member(device):
    """One entry of describe-cluster's Devices: DG "Getting Device Status" and API types.Device. A node the
    endpoint cannot reach is listed UNREACHABLE, not an error (DG administerclusterfortpoint.md)."""
    return {
        "DeviceId": device["device_id"],
        "UnlockStatus": {"State": settle(device)["state"]},
        "ActiveNetworkInterface": {"IpAddress": device["ip"]},
        "ClusterAssociation": {"State": device.get("association", "ASSOCIATED"), "ClusterId": device["cluster_id"]},
        "NetworkReachability": {"State": REACHABLE if connection_of(device) == "up" else UNREACHABLE},
    }


def unlocking_message(cluster):
    # DG using-client-commands.md, "Unlocking Snowball Edge Devices": the two example outputs.
    if cluster:
        return ("Your Snowball Edge Cluster is unlocking. You may determine the unlock state of your cluster using the "
                "describe-device command. Your Snowball Edge Cluster will be available for use when your Snowball Edge "
                "devices are in the UNLOCKED state.")
    return ("Your Snowball Edge device is unlocking. You may determine the unlock state of your device using the "
            "describe-device command. Your Snowball Edge device will be available for use when it is in the UNLOCKED "
            "state.")
