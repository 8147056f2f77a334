# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The on-site side: run the Snowball Edge client against a device or
cluster, read what it says, unlock and wait. Shared by the device-info and
unlock modules and their action plugins; raises SnowballError."""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import time

from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.plugins.module_utils._profiles import DEFAULT_CONFIG_PATH
from ansible_collections.fieldops.snowball.plugins.module_utils._profiles import check_profile_name
from ansible_collections.fieldops.snowball.plugins.module_utils._profiles import client_home
from ansible_collections.fieldops.snowball.plugins.module_utils._profiles import client_profile
from ansible_collections.fieldops.snowball.plugins.module_utils._profiles import transient_home

MANAGEMENT_PORT = 9091
CLIENT_DOWNLOAD = "https://aws.amazon.com/snowball/resources/"
_HOST = r"(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])"
_ENDPOINT = re.compile(r"(?:https://)?(?P<host>%s)(?::%d)?/?\Z" % (_HOST, MANAGEMENT_PORT))
_DEVICE_IP = re.compile(r"%s\Z" % _HOST)
UNLOCKED = "UNLOCKED"

# Options of every module that talks to a device through the client.
CLIENT_ARGUMENT_SPEC = dict(
    profile=dict(type="str"),
    endpoint=dict(type="str"),
    manifest_path=dict(type="path"),
    unlock_code=dict(type="str", no_log=True),
    client=dict(type="str", default="snowballEdge"),
    cluster_ips=dict(type="list", elements="str"),
    config_path=dict(type="path", default=DEFAULT_CONFIG_PATH),
)
# A saved profile, or the credentials for a transient one: not both (write a profile to keep with
# fieldops.snowball.snowball_edge_profile).
CLIENT_ARGUMENT_RULES = dict(
    required_one_of=[("profile", "endpoint")],
    mutually_exclusive=[("profile", "endpoint")],
    required_together=[("endpoint", "manifest_path", "unlock_code")],
)


def normalize_endpoint(value):
    """``https://HOST`` for a device IP, host name or ``https://`` URL on the management port."""
    match = _ENDPOINT.match(value.strip()) if isinstance(value, str) else None
    if not match:
        raise SnowballError("endpoint %r is not a device address: give the IP the device shows on its display, "
                            "for example 192.0.2.10 or https://192.0.2.10 (no user name, password, path or "
                            "port other than %d)." % (value, MANAGEMENT_PORT))
    return "https://" + match.group("host")


def check_device_ips(values):
    for value in values or []:
        if not _DEVICE_IP.match(value):
            raise SnowballError("cluster_ips entry %r is not a device IP address." % value)
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
        client = os.path.expanduser(params["client"])
        self.path = client if os.sep in client else ctx.find_executable(client)
        if not self.path or not os.access(self.path, os.X_OK):
            raise SnowballError("The Snowball Edge client %r was not found or is not executable. Download it from "
                                "%s, unpack it, and set client (role: snowball_unlock_client) to the path of its "
                                "bin/snowballEdge." % (params["client"], CLIENT_DOWNLOAD))
        self.credential_args = None
        self.environment = None

    @contextlib.contextmanager
    def session(self):
        """Make the client's credentials available for the ``with`` block.

        With ``profile``, the client reads that profile from ``config_path``. With
        endpoint/manifest_path/unlock_code, a transient profile is written into a private temporary
        client home, used, and removed afterwards, also on an interrupt.
        """
        params = self.ctx.params
        if not self.endpoint:
            self._use(params["profile"], self.home)
            yield self
            return
        name = "fieldops-transient-%s" % secrets.token_hex(4)
        profile = client_profile(name, params.get("job_id"), params["unlock_code"], params["manifest_path"],
                                 self.endpoint, self.cluster_ips)
        with transient_home(profile) as home:
            self._use(name, home)
            yield self

    def _use(self, name, home):
        self.credential_args = ["--profile", name]
        self.environment = None
        if os.path.abspath(os.path.expanduser("~")) != home:
            # The client is a Java program: it reads its config under user.home, which JAVA_TOOL_OPTIONS sets.
            options = os.environ.get("JAVA_TOOL_OPTIONS", "")
            self.environment = {"JAVA_TOOL_OPTIONS": ("%s -Duser.home=%s" % (options, home)).strip()}

    def _run(self, command, *extra):
        argv = [self.path, command] + self.credential_args + list(extra)
        rc, out, err = self.ctx.run_command(argv, environ_update=self.environment)
        if rc != 0:
            raise SnowballError(explain_client_failure(command, rc, err or out))
        return out

    def describe(self):
        """Every device as ``{id, ip, state}``."""
        if self.cluster_ips:
            out = self._run("describe-cluster", "--device-ip-addresses", *self.cluster_ips)
            raw = _parse_json(out, "describe-cluster").get("Devices", [])
        else:
            raw = [_parse_json(self._run("describe-device"), "describe-device")]
        return [{"id": device.get("DeviceId"),
                 "ip": device.get("ActiveNetworkInterface", {}).get("IpAddress"),
                 "state": device.get("UnlockStatus", {}).get("State")} for device in raw]

    def unlock(self):
        if self.cluster_ips:
            self._run("unlock-cluster", "--device-ip-addresses", *self.cluster_ips)
        else:
            self._run("unlock-device")

    def wait_unlocked(self, timeout, poll_interval, started):
        devices = self.describe()
        while overall_state(devices) != UNLOCKED:
            if time.monotonic() - started >= timeout:
                waiting = ", ".join("%s (%s)" % (device["ip"] or device["id"], device["state"]) for device in devices
                                    if device["state"] != UNLOCKED)
                raise SnowballError("Timed out after %ds waiting for the device to report UNLOCKED; still waiting for: "
                                    "%s. Unlocking can take several minutes: raise timeout, and check the device's "
                                    "display." % (timeout, waiting), devices=devices)
            time.sleep(poll_interval)
            devices = self.describe()
        return devices

    def run_command(self, args, endpoint=None):
        """Run ``snowballEdge args[0]`` with the session's credentials (inside ``session()``) and
        ``args[1:]``; ``endpoint`` (``https://IP``) asks that device, e.g. one node of a cluster profile,
        instead of the profile's own endpoint. Returns ``(rc, stdout, stderr)`` unjudged, for callers that
        read output of their own (the AWS profile core). ``args`` are on the command line: never a secret."""
        argv = [self.path, args[0]] + self.credential_args + (["--endpoint", endpoint] if endpoint else []) + list(args[1:])
        return self.ctx.run_command(argv, environ_update=self.environment)


def _parse_json(out, command):
    try:
        return json.loads(out)
    except ValueError:
        raise SnowballError("snowballEdge %s did not print JSON; is client the Snowball Edge client?" % command) from None


def explain_client_failure(command, rc, output):
    text = (output or "").strip()
    lowered = text.lower()
    if "unlock code" in lowered:
        advice = ("The device rejected the unlock code: check that the job id is the one on the device's display "
                  "and that the profile holds that job's code.")
    elif "manifest" in lowered:
        advice = "The device rejected the manifest: download the manifest of the device's job again."
    elif "connect" in lowered or "unreachable" in lowered or "timed out" in lowered:
        advice = ("The device could not be reached on port %d: check that it is powered on, that the IP is the one "
                  "on its display and that this laptop is on its network. A device needs about 10 minutes after "
                  "power-on before it can be unlocked." % MANAGEMENT_PORT)
    else:
        advice = "See the client's message."
    return "snowballEdge %s failed (exit %d): %s Client said: %s" % (command, rc, advice, text[-500:])


def overall_state(devices):
    states = {device["state"] for device in devices}
    if states == {UNLOCKED}:
        return UNLOCKED
    if "UNLOCKING" in states:
        return "UNLOCKING"
    return "LOCKED" if "LOCKED" in states else next(iter(states), None)


def device_result(devices):
    return {"device_state": overall_state(devices), "devices": devices}
