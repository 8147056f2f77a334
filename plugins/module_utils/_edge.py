# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The on-site side: the Snowball Edge client's profile file and the client
itself, shared by the profile, device-info and unlock modules."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import secrets
import time

from ansible_collections.fieldops.snowball.plugins.module_utils._files import ensure_mode
from ansible_collections.fieldops.snowball.plugins.module_utils._files import replace_private_file

# The file `snowballEdge configure` and AWS OpsHub write, and the client reads.
DEFAULT_CONFIG_PATH = "~/.aws/snowball/config/snowball-edge.config"
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
)
CLIENT_ARGUMENT_RULES = dict(
    required_one_of=[("profile", "endpoint")],
    required_together=[("endpoint", "manifest_path", "unlock_code")],
)


class EdgeError(Exception):
    """A problem on the device side; the message says what to do next."""


def normalize_endpoint(value):
    """``https://HOST`` for a device IP, host name or ``https://`` URL on the management port."""
    match = _ENDPOINT.match(value.strip()) if isinstance(value, str) else None
    if not match:
        raise EdgeError("endpoint %r is not a device address: give the IP the device shows on its display, "
                        "for example 192.0.2.10 or https://192.0.2.10 (no user name, password, path or "
                        "port other than %d)." % (value, MANAGEMENT_PORT))
    return "https://" + match.group("host")


def check_device_ips(values):
    for value in values or []:
        if not _DEVICE_IP.match(value):
            raise EdgeError("cluster_ips entry %r is not a device IP address." % value)
    return values


# --- the profile file


@contextlib.contextmanager
def _directory_locked(directory):
    """Serialise writers of one config file (parallel forks write one profile each)."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def load_config(path):
    """The parsed config file, or an empty one; EdgeError when it is not the client's format."""
    try:
        with open(path, encoding="utf-8") as handle:
            config = json.load(handle)
    except FileNotFoundError:
        return {"version": 1, "profiles": {}}
    except ValueError as error:
        raise EdgeError("%s is not valid JSON (%s); it was left untouched. Fix or move it, then run again."
                        % (path, error.__class__.__name__)) from None
    if not isinstance(config, dict) or not isinstance(config.get("profiles", {}), dict):
        raise EdgeError("%s is not a Snowball Edge client config (no profiles object); it was left untouched." % path)
    config.setdefault("profiles", {})
    return config


def profile_names(path):
    return set(load_config(os.path.expanduser(path))["profiles"])


def set_profile(path, name, profile, check_mode=False):
    """Write (or with ``profile=None`` remove) one profile; every other is kept.

    Returns ``(changed, before, after)`` where before/after are the profile.
    The file ends up 0600 in a 0700 directory, written atomically.
    """
    path = os.path.expanduser(path)
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        if profile is None:
            return False, None, None
        if check_mode:
            return True, None, profile
        os.makedirs(directory, mode=0o700, exist_ok=True)  # parallel forks race to create it
    with _directory_locked(directory):
        config = load_config(path)
        before = config["profiles"].get(name)
        if profile is None:
            config["profiles"].pop(name, None)
        else:
            config["profiles"][name] = profile
        changed = before != profile
        if changed and not check_mode:
            replace_private_file(path, (json.dumps(config, indent=2) + "\n").encode(), mode=0o600)
        if not check_mode:
            changed |= ensure_mode(directory, 0o700)
            if os.path.exists(path):
                changed |= ensure_mode(path, 0o600)
    return changed, before, profile


def client_profile(name, job_id, unlock_code, manifest_path, endpoint, cluster_ips):
    """A profile in the format the client and AWS OpsHub write."""
    return {
        "name": name,
        "jobId": job_id or "",
        "unlockCode": unlock_code,
        "manifestPath": manifest_path,
        "defaultEndpoint": endpoint,
        "isCluster": bool(cluster_ips),
        "deviceIps": list(cluster_ips or []),
    }


# --- the client


class EdgeClient:
    """Runs the Snowball Edge client with a list of arguments, never a shell."""

    def __init__(self, module):
        self.module = module
        self.profile_changed = False
        params = module.params
        self.cluster_ips = check_device_ips(params["cluster_ips"])
        self.endpoint = normalize_endpoint(params["endpoint"]) if params["endpoint"] else None
        client = os.path.expanduser(params["client"])
        self.path = client if os.sep in client else module.get_bin_path(client)
        if not self.path or not os.access(self.path, os.X_OK):
            raise EdgeError("The Snowball Edge client %r was not found or is not executable. Download it from %s, "
                            "unpack it, and set client (role: snowball_unlock_client) to the path of its "
                            "bin/snowballEdge." % (params["client"], CLIENT_DOWNLOAD))

    @contextlib.contextmanager
    def credentials(self):
        """Arguments that name the credentials: always a profile, so the code is never on a command line.

        With endpoint/manifest_path/unlock_code and a profile name, that
        profile is written first and kept (``self.profile_changed`` tells
        whether it changed). Without a name, or in check mode, a transient
        profile is written and removed afterwards.
        """
        params = self.module.params
        self.profile_changed = False
        if not params["endpoint"]:
            yield ["--profile", params["profile"]]
            return
        keep = bool(params["profile"]) and not self.module.check_mode
        name = params["profile"] if keep else "fieldops-transient-%s" % secrets.token_hex(4)
        profile = client_profile(name, params.get("job_id"), params["unlock_code"],
                                 os.path.abspath(params["manifest_path"]), self.endpoint, self.cluster_ips)
        self.profile_changed = set_profile(DEFAULT_CONFIG_PATH, name, profile)[0] and keep
        try:
            yield ["--profile", name]
        finally:
            if not keep:
                set_profile(DEFAULT_CONFIG_PATH, name, None)

    def _run(self, credential_args, command, *extra):
        rc, out, err = self.module.run_command([self.path, command] + credential_args + list(extra))
        if rc != 0:
            raise EdgeError(explain_client_failure(command, rc, err or out))
        return out

    def describe(self, credential_args):
        """Every device as ``{id, ip, state}``."""
        if self.cluster_ips:
            out = self._run(credential_args, "describe-cluster", "--device-ip-addresses", *self.cluster_ips)
            raw = _parse_json(out, "describe-cluster").get("Devices", [])
        else:
            raw = [_parse_json(self._run(credential_args, "describe-device"), "describe-device")]
        return [{"id": device.get("DeviceId"),
                 "ip": device.get("ActiveNetworkInterface", {}).get("IpAddress"),
                 "state": device.get("UnlockStatus", {}).get("State")} for device in raw]

    def unlock(self, credential_args):
        if self.cluster_ips:
            self._run(credential_args, "unlock-cluster", "--device-ip-addresses", *self.cluster_ips)
        else:
            self._run(credential_args, "unlock-device")

    def wait_unlocked(self, credential_args, timeout, poll_interval, started):
        devices = self.describe(credential_args)
        while overall_state(devices) != UNLOCKED:
            if time.monotonic() - started >= timeout:
                waiting = ", ".join("%s (%s)" % (device["ip"] or device["id"], device["state"]) for device in devices
                                    if device["state"] != UNLOCKED)
                raise EdgeError("Timed out after %ds waiting for the device to report UNLOCKED; still waiting for: %s. "
                                "Unlocking can take several minutes: raise timeout, and check the device's display."
                                % (timeout, waiting))
            time.sleep(poll_interval)
            devices = self.describe(credential_args)
        return devices


def _parse_json(out, command):
    try:
        return json.loads(out)
    except ValueError:
        raise EdgeError("snowballEdge %s did not print JSON; is client the Snowball Edge client?" % command) from None


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
