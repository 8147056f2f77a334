# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The on-site side: run the Snowball Edge client against a device or
cluster, read what it says, unlock and wait. Shared by the device-info and
unlock modules and their action plugins; raises SnowballError."""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import re
import secrets
import time

from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.plugins.module_utils._profiles import CONFIG_SUFFIX
from ansible_collections.fieldops.snowball.plugins.module_utils._profiles import ProfileStore
from ansible_collections.fieldops.snowball.plugins.module_utils._profiles import check_profile_name
from ansible_collections.fieldops.snowball.plugins.module_utils._profiles import client_home
from ansible_collections.fieldops.snowball.plugins.module_utils._profiles import client_profile
from ansible_collections.fieldops.snowball.plugins.module_utils._profiles import home_warning
from ansible_collections.fieldops.snowball.plugins.module_utils._profiles import java_option
from ansible_collections.fieldops.snowball.plugins.module_utils._profiles import java_user_home
from ansible_collections.fieldops.snowball.plugins.module_utils._profiles import transient_home

MANAGEMENT_PORT = 9091
CLIENT_DOWNLOAD = "https://aws.amazon.com/snowball/resources/"
_HOST = r"(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])"
_ENDPOINT = re.compile(r"(?:https://)?(?P<host>%s)(?::%d)?/?\Z" % (_HOST, MANAGEMENT_PORT))
# RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens, 1-63 each, 253 in all;
# the last label is not all digits (so a malformed IPv4 address is not taken for a name).
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\Z")
UNLOCKED, UNLOCKING, LOCKED = "UNLOCKED", "UNLOCKING", "LOCKED"
# The on-device API's enums (aws/eks-anywhere internal/aws-sdk-go-v2/service/snowballdevice/types/enums.go):
# UnlockStatusState has these three values and no other; NetworkReachabilityState REACHABLE | UNREACHABLE.
UNLOCK_STATES = (LOCKED, UNLOCKING, UNLOCKED)
UNREACHABLE = "UNREACHABLE"
BOOT_MINUTES = 10  # developer guide getting-started-connect.md: ready to unlock "after about 10 minutes"

# Options of every module that talks to a device through the client.
CLIENT_ARGUMENT_SPEC = dict(
    profile=dict(type="str"),
    endpoint=dict(type="str"),
    manifest_path=dict(type="path"),
    unlock_code=dict(type="str", no_log=True),
    client=dict(type="str", default="snowballEdge"),
    cluster_ips=dict(type="list", elements="str"),
    # No default here: the client's own file is resolved in code (_profiles.default_config_path), under the
    # client's Java home, which is not always $HOME (what type=path would expand ~ with).
    config_path=dict(type="path"),
)
# A saved profile, or the credentials for a transient one: not both (write a profile to keep with
# fieldops.snowball.snowball_edge_profile).
CLIENT_ARGUMENT_RULES = dict(
    required_one_of=[("profile", "endpoint")],
    mutually_exclusive=[("profile", "endpoint")],
    required_together=[("endpoint", "manifest_path", "unlock_code")],
)


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


class EdgeClient:
    """Runs the Snowball Edge client with a list of arguments, never a shell, and always with a profile,
    so the unlock code is never on a command line."""

    def __init__(self, ctx):
        self.ctx = ctx
        params = ctx.params
        self.cluster_ips = check_device_ips(params["cluster_ips"])
        self.endpoint = normalize_endpoint(params["endpoint"]) if params["endpoint"] else None
        if params["profile"]:
            check_profile_name(params["profile"])
        self.home = client_home(params["config_path"])
        if not params["config_path"] and not self.endpoint:
            warning = home_warning()
            if warning:
                ctx.warn(warning)
        client = os.path.expanduser(params["client"])
        self.path = client if os.sep in client else ctx.find_executable(client)
        if not self.path or not os.access(self.path, os.X_OK):
            raise SnowballError("The Snowball Edge client %r was not found or is not executable. Download it from "
                                "%s, unpack it, and set client (role: snowball_unlock_client) to the path of its "
                                "bin/snowballEdge." % (params["client"], CLIENT_DOWNLOAD))
        self.credential_args = None
        self.environment = None
        self.job_id = params.get("job_id")
        self.device_ips = None  # what --device-ip-addresses gets, for a cluster (see unlock_ips)
        self.asked = set()  # devices an unlock command went to
        self.just_asked = set()  # ... since the last describe: LOCKED at the next one means refused
        self.warned = set()

    @contextlib.contextmanager
    def session(self):
        """Make the client's credentials available for the ``with`` block.

        With ``profile``, the client reads that profile from ``config_path``. With
        endpoint/manifest_path/unlock_code, a transient profile is written into a private temporary
        client home, used, and removed afterwards, also on an interrupt.
        """
        params = self.ctx.params
        if not self.endpoint:
            profile = ProfileStore(os.path.join(self.home, CONFIG_SUFFIX)).get(params["profile"]) or {}
            if isinstance(profile.get("unlockCode"), str) and profile["unlockCode"]:
                # Not a task argument, so nothing masks it yet: the client's messages are part of a failure.
                self.ctx.add_secret(profile["unlockCode"])
            if self.cluster_ips:
                # The endpoint goes into --device-ip-addresses too: it is in the profile.
                if not profile.get("defaultEndpoint"):
                    raise SnowballError("Profile %s is not in %s (or has no endpoint): write it with "
                                        "fieldops.snowball.snowball_edge_profile first."
                                        % (params["profile"], os.path.join(self.home, CONFIG_SUFFIX)))
                self.job_id = self.job_id or profile.get("jobId")
                self.device_ips = unlock_ips(normalize_endpoint(profile["defaultEndpoint"]), self.cluster_ips)
            self._use(params["profile"], self.home)
            yield self
            return
        if self.cluster_ips:
            self.device_ips = unlock_ips(self.endpoint, self.cluster_ips)
        name = "fieldops-transient-%s" % secrets.token_hex(4)
        profile = client_profile(name, params.get("job_id"), params["unlock_code"], params["manifest_path"],
                                 self.endpoint, self.device_ips)
        with transient_home(profile) as home:
            self._use(name, home)
            yield self

    def _use(self, name, home):
        self.credential_args = ["--profile", name]
        self.environment = None
        if os.path.realpath(home) != os.path.realpath(java_user_home()):
            # The client is a Java program: it reads its config under user.home, which the last -Duser.home in
            # JAVA_TOOL_OPTIONS sets (the JVM reads that variable whatever the launcher script does).
            options = os.environ.get("JAVA_TOOL_OPTIONS", "")
            self.environment = {"JAVA_TOOL_OPTIONS": ("%s %s" % (options, java_option("user.home", home))).strip()}

    def _run(self, command, *extra):
        argv = [self.path, command] + self.credential_args + list(extra)
        rc, out, err = self.ctx.run_command(argv, environ_update=self.environment)
        if rc != 0:
            raise SnowballError(explain_client_failure(command, rc, out, err), client_rc=rc,
                                client_error=_classify(out, err)[0])
        return out, err

    def describe(self):
        """Every device as ``{id, ip, state, reachability, association}``; a cluster lists every node."""
        if self.device_ips:
            out, err = self._run("describe-cluster", "--device-ip-addresses", *self.device_ips)
            raw = _parse_json(out, "describe-cluster", "Devices", err).get("Devices")
            if not isinstance(raw, list) or not raw:
                raise SnowballError(_no_state("describe-cluster", out, err))
        else:
            out, err = self._run("describe-device")
            raw = [_parse_json(out, "describe-device", "UnlockStatus", err)]
        devices = [_device(entry, "describe-cluster" if self.device_ips else "describe-device", out, err)
                   for entry in raw]
        self._check_refused(devices)
        return devices

    def unlock(self, devices):
        """Send the unlock to the devices that need it (``devices``: as last described)."""
        if self.device_ips:
            self._run("unlock-cluster", "--device-ip-addresses", *self.device_ips)
            listed = set(self.device_ips)
            targets = {_key(device) for device in devices
                       if device["state"] == LOCKED and device["reachability"] != UNREACHABLE and device["ip"] in listed}
        else:
            self._run("unlock-device")
            targets = {_key(device) for device in devices}
        self.asked |= targets
        self.just_asked |= targets

    def wait_unlocked(self, timeout, poll_interval, started):
        devices = self.describe()
        while overall_state(devices) != UNLOCKED:
            if self.device_ips:
                self._check_left_out(devices)
                # A node that answers again, LOCKED, after the unlock went out (it was unreachable, or lost power) is
                # reconnected with unlock-cluster (developer guide administerclusterfortpoint.md).
                back = [device for device in devices if device["state"] == LOCKED and device["reachability"] != UNREACHABLE
                        and device["ip"] in self.device_ips and _key(device) not in self.asked]
                if back and self.asked:
                    self.unlock(devices)
                self._warn_unreachable(devices)
            if time.monotonic() - started >= timeout:
                raise SnowballError("Timed out after %ds waiting for UNLOCKED; still waiting for: %s. %s"
                                    % (timeout, awaited(devices, self.device_ips), _timeout_advice(devices)),
                                    devices=devices)
            time.sleep(poll_interval)
            devices = self.describe()
        return devices

    def _check_left_out(self, devices):
        """A node that answers, LOCKED, but is not in --device-ip-addresses never gets the unlock: waiting for it
        would only end at the timeout."""
        listed = {device_host(ip) for ip in self.device_ips}
        left_out = [device for device in devices if device["state"] == LOCKED and device["reachability"] != UNREACHABLE
                    and device["ip"] and device_host(device["ip"]) not in listed]
        if left_out:
            raise SnowballError("Cluster node %s answers and is LOCKED, but is not in cluster_ips, so the unlock never "
                                "goes to it: list every node's IP in cluster_ips (snowball_unlock_cluster_ips), "
                                "%s included, and run again."
                                % (", ".join(_label(device) for device in left_out),
                                   ", ".join(device["ip"] for device in left_out)), devices=devices)

    def _check_refused(self, devices):
        """A device the unlock went to that is LOCKED at the next look, or back at LOCKED after UNLOCKING, refused
        the credentials; AWS's own scripts (aws-snow-tools-for-eks-anywhere setup-tools/unlock-devices.sh) treat
        LOCKED after unlocking as the failure. Fail at once instead of waiting for the timeout."""
        refused = []
        for device in devices:
            key = _key(device)
            if device["state"] == UNLOCKING:
                self.asked.add(key)
                self.just_asked.add(key)
            elif (device["state"] == LOCKED and device["reachability"] != UNREACHABLE and key in self.just_asked):
                refused.append(device)
        self.just_asked = {_key(device) for device in devices if device["state"] == UNLOCKING}
        if refused:
            raise SnowballError(refused_message(refused, self.job_id), devices=devices)

    def run_command(self, args, endpoint=None):
        """Run ``snowballEdge args[0]`` with the session's credentials (inside ``session()``) and
        ``args[1:]``; ``endpoint`` (``https://IP``) asks that device, e.g. one node of a cluster profile,
        instead of the profile's own endpoint. Returns ``(rc, stdout, stderr)`` unjudged, for callers that
        read output of their own (the AWS profile core). ``args`` are on the command line: never a secret."""
        argv = [self.path, args[0]] + self.credential_args + (["--endpoint", endpoint] if endpoint else []) + list(args[1:])
        return self.ctx.run_command(argv, environ_update=self.environment)

    def _warn_unreachable(self, devices):
        for device in devices:
            if device["reachability"] == UNREACHABLE and _key(device) not in self.warned:
                self.warned.add(_key(device))
                self.ctx.warn("Cluster node %s is UNREACHABLE (%s, association %s); still waiting for it: check that it "
                              "is powered on and on the network. A node needs about %d minutes after power-on."
                              % (_label(device), device["state"], device["association"], BOOT_MINUTES))


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


def _key(device):
    return device["ip"] or device["id"]


def _label(device):
    if device["ip"] and device["id"]:
        return "%s (%s)" % (device["ip"], device["id"])
    return device["ip"] or device["id"] or "?"


def _device(raw, command, out, err):
    """One device as the collection returns it; a device without a documented UnlockStatus.State is a failure."""
    if not isinstance(raw, dict):
        raise SnowballError(_no_state(command, out, err))
    state = (raw.get("UnlockStatus") or {}).get("State")
    if state not in UNLOCK_STATES:
        raise SnowballError(_no_state(command, out, err))
    return {"id": raw.get("DeviceId"),
            "ip": (raw.get("ActiveNetworkInterface") or {}).get("IpAddress"),
            "state": state,
            # describe-device answers only when the device is reachable; describe-cluster says per node.
            "reachability": (raw.get("NetworkReachability") or {}).get("State", "REACHABLE"),
            "association": (raw.get("ClusterAssociation") or {}).get("State")}


def awaited(devices, listed=None):
    """The devices not UNLOCKED yet, named by IP with their states."""
    names = []
    for device in devices:
        if device["state"] == UNLOCKED:
            continue
        details = [device["state"], device["reachability"]]
        if device["association"]:
            details.append(device["association"])
        if listed and device["ip"] not in listed:
            details.append("not in cluster_ips")
        names.append("%s %s" % (_label(device), ", ".join(details)))
    return "; ".join(names) or "none"


def _timeout_advice(devices):
    if any(device["reachability"] == UNREACHABLE for device in devices if device["state"] != UNLOCKED):
        return ("An UNREACHABLE node does not answer the others: check that it is powered on, cabled and has the IP "
                "shown; a node needs about %d minutes after power-on. Once it answers, run again (it is unlocked with "
                "the cluster's code and manifest)." % BOOT_MINUTES)
    return "Unlocking can take several minutes: raise timeout, and check the device's display."


def refused_message(refused, job_id):
    names = ", ".join(_label(device) for device in refused)
    mismatch = ""
    reported = sorted({device["id"] for device in refused if device["id"] and job_id and device["id"] != job_id})
    if reported and len(refused) == 1:
        mismatch = " The profile is for job %s, but the device reports job %s." % (job_id, reported[0])
    return ("The device at %s refused the unlock: it accepted the command, then went back to LOCKED, so it did not "
            "accept the manifest and unlock code it was given.%s Check that the job id on the device's display is the "
            "job the manifest and code are from (a cluster's nodes all take the cluster's one manifest and code), "
            "download that job's manifest again and fetch its unlock code (fieldops.snowball.snowball_manifest, "
            "snowball_unlock_code), then run again. If they are that job's, the job may be past its 360 days: "
            "contact AWS Support." % (names, mismatch))


def _parse_json(out, command, key, err=""):
    """The JSON object in the client's stdout that holds ``key``, whatever else is printed around it (a notice
    or banner, which may hold JSON of its own)."""
    text = out or ""
    decoder = json.JSONDecoder()
    index = text.find("{")
    while index >= 0:
        try:
            value, end = decoder.raw_decode(text, index)
        except ValueError:
            value, end = None, index + 1
        if isinstance(value, dict) and key in value:
            return value
        index = text.find("{", end if isinstance(value, dict) else index + 1)
    raise SnowballError(_no_state(command, out, err))


def _no_state(command, out, err):
    """Exit 0 without a state that can be read: a failure, never a success."""
    advice = _classify(out, err)[1]
    return ("snowballEdge %s exited 0 but printed no device state that can be read (UnlockStatus.State), so the "
            "device's state is unknown. %s Client said: %s"
            % (command, advice or "Check that client is the Snowball Edge client (snowballEdge version).",
               _said(out, err)))


# The failures the client reports, by the on-device API's error names (aws/eks-anywhere
# internal/aws-sdk-go-v2/service/snowballdevice/types/errors.go) and the Java HTTP client's connection errors.
# Searched in stdout and stderr: the client's stream for errors is not documented.
_FAILURES = (
    ("IncorrectDeviceManifestException",
     "The device refused the manifest or the unlock code: they are not its job's. Check that the job id on the "
     "device's display is the profile's job (a cluster's nodes all take the cluster's one manifest and code), "
     "download that job's manifest again and fetch its code, then run again."),
    ("IncorrectDeviceStateException",
     "The device is not in the state this command needs (for example, it is locked): unlock it first, or wait "
     "until describe-device shows the state the command needs."),
    ("UnsupportedOperationException",
     "The device does not support this command: a stand-alone device is not a cluster, so leave cluster_ips "
     "empty for it (and give every node's IP for a cluster)."),
    ("InvalidParameterValueException",
     "The device refused a parameter: check the endpoint and cluster_ips."),
    ("Connection refused",
     "The device is not reachable yet: a device answers about %d minutes after power-on (port %d is closed until "
     "then). Wait, check its display, and run again." % (BOOT_MINUTES, MANAGEMENT_PORT)),
    ("connect timed out",
     "The device does not answer on port %d: check that it is powered on, that the IP is the one on its display "
     "and that this laptop is on its network (a device just powered on answers after about %d minutes)."
     % (MANAGEMENT_PORT, BOOT_MINUTES)),
    ("No route to host",
     "There is no route to the device: check that this laptop is on the device's network and that the IP is the "
     "one on its display."),
)


def _classify(out, err):
    """``(error name, advice)`` for the first documented failure the client printed, else ``(None, None)``."""
    text = "%s\n%s" % (out or "", err or "")
    for token, advice in _FAILURES:
        if token in text:
            return token, advice
    return None, None


def _said(out, err):
    # The JVM prints "Picked up JAVA_TOOL_OPTIONS: ..." on stderr on every run: not part of any failure.
    lines = [line for line in ("%s\n%s" % (err or "", out or "")).splitlines()
             if line.strip() and not line.startswith("Picked up JAVA_TOOL_OPTIONS")]
    return " ".join(lines)[-500:] or "nothing"


def explain_client_failure(command, rc, out, err=""):
    """The message for a client run that exited non-zero, from the documented error names it printed."""
    advice = _classify(out, err)[1] or "See the client's message."
    return "snowballEdge %s failed (exit %d): %s Client said: %s" % (command, rc, advice, _said(out, err))


def overall_state(devices):
    states = {device["state"] for device in devices}
    if states == {UNLOCKED}:
        return UNLOCKED
    if UNLOCKING in states:
        return UNLOCKING
    return LOCKED if LOCKED in states else next(iter(states), None)


def device_result(devices):
    return {"device_state": overall_state(devices), "devices": devices}
