# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The simulated devices behind the simulated client: their table on disk, how each is made, and how its
connection and lock move on by the clock (unlock, refused unlock, boot, power cut).

Sources as in snowball_edge_sim.py ("DG" the developer guide, "API" the on-device API's generated client,
"AWS scripts" aws-samples/aws-snow-tools-for-eks-anywhere).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import secrets
import string
import time
import uuid

try:
    from . import device_services
except ImportError:  # loaded by the client itself, outside the package (see snowball_edge_sim)
    import device_services  # pylint: disable=import-error

MANAGEMENT_PORT = 9091  # DG port-requirements.md: "Endpoint for device management"
# Order and state names: API types/enums.go (UnlockStatusState, NetworkReachabilityState, ClusterAssociationState).
LOCKED, UNLOCKING, UNLOCKED = "LOCKED", "UNLOCKING", "UNLOCKED"
REACHABLE, UNREACHABLE = "REACHABLE", "UNREACHABLE"
ASSOCIATION_STATES = ("ASSOCIATED", "ASSOCIATING", "DISASSOCIATED", "DISASSOCIATING")
CONNECTIONS = ("up", "refused", "unreachable")
MANIFEST_MAGIC = b"SNOWBALL-MANIFEST\x00"  # the stand-in API's manifests (snowball_api.new_manifest)


class ClientError(Exception):
    """A failure the client reports on the client side (bad input, no connection)."""


class ServiceError(ClientError):
    """An error answered by the device, printed as the AWS SDK for Java prints a service exception
    (the error names are the on-device API's, API types/errors.go; the surrounding text is the
    stand-in's choice: the real client's wording is undocumented)."""

    def __init__(self, code, message):
        super().__init__("%s (Service: AWSSnowballDevice; Status Code: 400; Error Code: %s; Request ID: %s; "
                         "Proxy: null)" % (message, code, uuid.uuid4()))
        self.code = code


def connection_failed(ip, reason):
    """What a Java HTTP client says when the TCP connection to the management port fails."""
    return ClientError("Unable to execute HTTP request: Connect to %s:%d [/%s] failed: %s"
                       % (ip, MANAGEMENT_PORT, ip, reason))


# --- the device table


def state_dir():
    path = os.environ.get("SNOWBALL_SIM_STATE")
    if not path:
        raise ClientError("SNOWBALL_SIM_STATE is not set: the simulator has no devices.")
    return path


@contextlib.contextmanager
def devices_locked(directory=None):
    """Yield the device table under an exclusive lock and write it back."""
    directory = directory or state_dir()
    with open(os.path.join(directory, "devices.lock"), "a", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        path = os.path.join(directory, "devices.json")
        with open(path, encoding="utf-8") as handle:
            before = handle.read()
        devices = json.loads(before)
        yield devices
        after = json.dumps(devices)
        if after != before:  # most calls only describe: keep the lock short for fleets
            with open(path + ".tmp", "w", encoding="utf-8") as handle:
                handle.write(after)
            os.replace(path + ".tmp", path)


def settings():
    """Site-wide behaviour the harness chose (``settings.json`` beside the device table; see Site)."""
    directory = os.environ.get("SNOWBALL_SIM_STATE")
    if not directory:
        return {}
    try:
        with open(os.path.join(directory, "settings.json"), encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return {}


def write_settings(directory, values):
    with open(os.path.join(directory, "settings.json"), "w", encoding="utf-8") as handle:
        json.dump(values, handle)


def write_devices(directory, devices):
    """Create or replace the device table (used by test fixtures and the demo)."""
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "devices.json"), "w", encoding="utf-8") as handle:
        json.dump({device["ip"]: device for device in devices}, handle)


def new_access_key_id():
    return "AKIA" + "".join(secrets.choice(string.ascii_uppercase + string.digits) for _char in range(16))


def new_secret_access_key():
    return "".join(secrets.choice(string.ascii_letters + string.digits + "+/") for _char in range(40))


def make_device(ip, job_id, unlock_code, manifest, unlock_delay=0.0, state=LOCKED, reachable=True,
                connection=None, cluster_id=None, association="ASSOCIATED", refuse_unlock=0, access_keys=1,
                certificate_pem=None, boot_seconds=0.0, device_type="V3_5C", device_id=None, s3="adapter",
                s3_snow_ips=None, certificate_expires=None, reboot_seconds=60.0):
    """One device.

    ``connection``: ``up``, ``refused`` (port closed: the device is still booting; DG
    getting-started-connect.md: ready "after about 10 minutes") or ``unreachable`` (no answer at all);
    ``reachable=False`` is the older spelling of ``unreachable``. ``boot_seconds``: refuse connections for
    that long from now, then answer. ``refuse_unlock``: how many unlocks to refuse (-1 or True: all): a
    refused unlock is accepted, then goes UNLOCKING -> LOCKED (AWS scripts' unlock-devices.sh treats that as
    the failure). ``access_keys``: how many access keys the device has, each with a fresh random secret
    (DG "Getting Credentials"). ``certificate_pem``: the device's self-signed certificate (DG "Getting Your
    Certificate"), or None for none. ``device_type``: V3_5C or V3_5S, the types still orderable (botocore's
    snowball model lists them in SnowballType). ``device_id``: what describe-device reports as DeviceId
    (default: a fresh id of the documented shape, not the job id; device_services.new_device_id). ``s3``:
    ``adapter`` (the S3 adapter, HTTPS 8443) or ``s3-snow`` (S3 compatible storage on Snow, HTTPS 443 on
    ``s3_snow_ips``, the bucket and object interfaces). ``certificate_expires``: epoch seconds that
    describe-device-software reports. ``reboot_seconds``: how long reboot-device leaves it silent.
    """
    if s3 not in device_services.S3_KINDS:
        raise ValueError("s3 must be one of %s" % (device_services.S3_KINDS,))
    if connection is None:
        connection = "up" if reachable else "unreachable"
    if connection not in CONNECTIONS or association not in ASSOCIATION_STATES:
        raise ValueError("connection must be one of %s, association one of %s" % (CONNECTIONS, ASSOCIATION_STATES))
    keys = {new_access_key_id(): new_secret_access_key() for _key in range(access_keys)}
    return {
        "ip": ip, "device_id": device_id or device_services.new_device_id(), "job_id": job_id, "unlock_code": unlock_code,
        "manifest_sha256": hashlib.sha256(manifest).hexdigest(), "state": state,
        "unlock_delay": unlock_delay, "unlocking_since": None, "connection": connection,
        "boots_at": time.time() + boot_seconds if boot_seconds else None,
        "cluster_id": cluster_id, "association": association,
        "refuse_unlock": -1 if refuse_unlock is True else int(refuse_unlock), "refusing": False,
        "device_type": device_type, "access_keys": keys, "s3": s3,
        "s3_snow_ips": list(s3_snow_ips) if s3_snow_ips else device_services.s3_snow_ips(ip),
        "certificate_expires": certificate_expires, "reboot_seconds": reboot_seconds, "power": None,
        "certificate": None if certificate_pem is None else {
            # the ARN's shape: DG "Getting Your Certificate" (arn:aws:snowball-device:::certificate/<32 hex>)
            "arn": "arn:aws:snowball-device:::certificate/" + secrets.token_hex(16),
            "pem": certificate_pem.decode() if isinstance(certificate_pem, bytes) else certificate_pem},
    }


def connection_of(device):
    device_services.apply_power(device)
    if device_services.powered_down(device):
        return "unreachable"
    if device.get("boots_at") and time.time() < device["boots_at"]:
        return "refused"
    return device.get("connection") or ("up" if device.get("reachable", True) else "unreachable")


def reach(devices, ip):
    """The device at ``ip`` if a TCP connection to its management port succeeds."""
    device = devices.get(ip)
    connection = connection_of(device) if device else "unreachable"
    if connection == "refused":
        raise connection_failed(ip, "Connection refused (Connection refused)")
    if connection == "unreachable":
        raise connection_failed(ip, "connect timed out")
    return settle(device)


def settle(device):
    """Move an unlock on by the clock: UNLOCKED after ``unlock_delay``, or back to LOCKED when refused; a power
    cut that has happened undoes it (device_services.cut_power)."""
    device_services.apply_power(device)
    if device["state"] == UNLOCKING and time.time() >= device["unlocking_since"] + device["unlock_delay"]:
        device["state"] = LOCKED if device.get("refusing") else UNLOCKED
        device["refusing"] = False
    return device


def start_unlock(device):
    if device["state"] != LOCKED:
        return  # already unlocking or unlocked: the command is accepted and changes nothing
    refuse = device.get("refuse_unlock", 0)
    device["refusing"] = refuse != 0
    if refuse > 0:
        device["refuse_unlock"] = refuse - 1
    device["state"] = UNLOCKING
    device["unlocking_since"] = time.time()
    settle(device)


def authenticate(device, credentials):
    """The device accepts its own manifest with its own code (a cluster's nodes share both)."""
    if hashlib.sha256(credentials["manifest_bytes"]).hexdigest() != device["manifest_sha256"]:
        raise ServiceError("IncorrectDeviceManifestException", "The manifest file is not valid for the device at %s."
                           % device["ip"])
    if credentials["unlock_code"] != device["unlock_code"]:
        raise ServiceError("IncorrectDeviceManifestException",
                           "The unlock code does not decrypt the manifest file for the device at %s." % device["ip"])


def require_unlocked(device):
    # Undocumented what the client answers on a locked device; IncorrectDeviceStateException is the API's error.
    if device["state"] != UNLOCKED:
        raise ServiceError("IncorrectDeviceStateException", "The device at %s is %s; this command needs it UNLOCKED."
                           % (device["ip"], device["state"]))


def code_opens_manifest(manifest, code):
    """True/False when the manifest carries a verifier of its code (the stand-in API's do), None otherwise."""
    if not manifest.startswith(MANIFEST_MAGIC):
        return None
    rest = manifest[len(MANIFEST_MAGIC):]
    end = rest.find(b"\x00")
    if end < 0 or len(rest) < end + 1 + 48:
        return None
    salt, digest = rest[end + 1:end + 17], rest[end + 17:end + 49]
    return hashlib.sha256(salt + code.encode()).digest() == digest
