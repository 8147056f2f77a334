# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A simulated ``snowballEdge`` client and the devices behind it.

It takes the same commands and options as the AWS Snowball Edge client and
reads profiles from the same file (``~/.aws/snowball/config/snowball-edge.config``),
but instead of talking to a device on port 9091 it reads and writes the
simulated devices in ``$SNOWBALL_SIM_STATE/devices.json``.  A device checks
that the manifest and unlock code it is given are its own, and goes
LOCKED -> UNLOCKING -> UNLOCKED over its ``unlock_delay`` seconds.

Every invocation is appended to ``$SNOWBALL_SIM_STATE/invocations.jsonl``
(command and endpoint, never the code) so tests can count unlock calls.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import sys
import time

CONFIG_PATH = os.path.join("~", ".aws", "snowball", "config", "snowball-edge.config")
VERSION = "Snowball Edge client version: 1.2.0 Build 661 (fieldops simulator)"
MANAGEMENT_PORT = 9091


class ClientError(Exception):
    pass


def config_path():
    """Where the client reads its config: under Java's user.home, which JAVA_TOOL_OPTIONS can set."""
    for option in os.environ.get("JAVA_TOOL_OPTIONS", "").split():
        if option.startswith("-Duser.home="):
            return os.path.join(option[len("-Duser.home="):], ".aws", "snowball", "config", "snowball-edge.config")
    return os.path.expanduser(CONFIG_PATH)


def state_dir():
    path = os.environ.get("SNOWBALL_SIM_STATE")
    if not path:
        raise ClientError("SNOWBALL_SIM_STATE is not set: the simulator has no devices.")
    return path


@contextlib.contextmanager
def devices_locked():
    """Yield the device table under an exclusive lock and write it back."""
    directory = state_dir()
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


def write_devices(directory, devices):
    """Create or replace the device table (used by test fixtures and the demo)."""
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "devices.json"), "w", encoding="utf-8") as handle:
        json.dump({device["ip"]: device for device in devices}, handle)


def make_device(ip, job_id, unlock_code, manifest, unlock_delay=0.0, state="LOCKED", reachable=True):
    return {
        "ip": ip, "device_id": job_id, "job_id": job_id, "unlock_code": unlock_code,
        "manifest_sha256": hashlib.sha256(manifest).hexdigest(), "state": state,
        "unlock_delay": unlock_delay, "unlocking_since": None, "reachable": reachable,
    }


def record_invocation(command, endpoint):
    with open(os.path.join(state_dir(), "invocations.jsonl"), "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"command": command, "endpoint": endpoint, "pid": os.getpid()}) + "\n")


def host_of(endpoint):
    host = endpoint.split("://", 1)[-1].rstrip("/")
    if host.count(":") == 1:
        host, port = host.split(":")
        if port != str(MANAGEMENT_PORT):
            raise ClientError("Could not connect to %s: the device management port is %d." % (endpoint, MANAGEMENT_PORT))
    return host


def settle(device):
    if device["state"] == "UNLOCKING" and time.time() >= device["unlocking_since"] + device["unlock_delay"]:
        device["state"] = "UNLOCKED"
    return device


def reach(devices, ip, endpoint):
    device = devices.get(ip)
    if device is None or not device["reachable"]:
        raise ClientError("Unable to connect to the device at %s:%d. Check the endpoint and that the device is "
                          "powered on and on the network." % (endpoint, MANAGEMENT_PORT))
    return settle(device)


def authenticate(device, credentials):
    try:
        with open(credentials["manifest"], "rb") as handle:
            manifest = handle.read()
    except OSError:
        raise ClientError("Manifest file not found or not readable: %s" % credentials["manifest"]) from None
    if hashlib.sha256(manifest).hexdigest() != device["manifest_sha256"]:
        raise ClientError("The manifest file is not valid for the device at %s." % device["ip"])
    if credentials["unlock_code"] != device["unlock_code"]:
        raise ClientError("The unlock code is not valid for this device.")


def describe(device):
    return {
        "DeviceId": device["device_id"],
        "UnlockStatus": {"State": device["state"]},
        "ActiveNetworkInterface": {"IpAddress": device["ip"]},
    }


def resolve_credentials(args):
    if args.profile:
        path = config_path()
        try:
            with open(path, encoding="utf-8") as handle:
                profiles = json.load(handle).get("profiles", {})
        except (OSError, ValueError):
            raise ClientError("Unable to read the configuration file %s." % path) from None
        if args.profile not in profiles:
            raise ClientError("Profile %s was not found in %s." % (args.profile, path))
        profile = profiles[args.profile]
        return {"endpoint": args.endpoint or profile.get("defaultEndpoint"), "manifest": args.manifest_file or profile.get("manifestPath"),
                "unlock_code": args.unlock_code or profile.get("unlockCode")}
    missing = [flag for flag, value in (("--endpoint", args.endpoint), ("--manifest-file", args.manifest_file),
                                        ("--unlock-code", args.unlock_code)) if not value]
    if missing:
        raise ClientError("Missing required options: %s (or use --profile)." % ", ".join(missing))
    return {"endpoint": args.endpoint, "manifest": args.manifest_file, "unlock_code": args.unlock_code}


def run(args):
    if args.command == "configure":
        return configure(args)
    credentials = resolve_credentials(args)
    endpoint = credentials["endpoint"]
    record_invocation(args.command, endpoint)
    with devices_locked() as devices:
        device = reach(devices, host_of(endpoint), endpoint)
        authenticate(device, credentials)
        if args.command == "describe-device":
            print(json.dumps(describe(device), indent=2))
        elif args.command == "describe-cluster":
            members = [reach(devices, ip, ip) for ip in (args.device_ip_addresses or [device["ip"]])]
            print(json.dumps({"ClusterId": "CID-simulated", "Devices": [describe(member) for member in members]}, indent=2))
        else:
            targets = [device]
            if args.command == "unlock-cluster":
                if not args.device_ip_addresses:
                    raise ClientError("unlock-cluster needs --device-ip-addresses.")
                targets = [reach(devices, ip, ip) for ip in args.device_ip_addresses]
            for target in targets:
                if target["state"] == "LOCKED":
                    target["state"] = "UNLOCKING"
                    target["unlocking_since"] = time.time()
                    settle(target)
            print("The device is unlocking. You may determine the unlock state of your device using the "
                  "describe-device command. Your device will be available for use when it is in the UNLOCKED state.")
    return 0


def configure(args):
    """Prompt like the real client and write the profile it describes."""
    answers = {}
    for key, prompt in (("manifestPath", "Snowball Edge Manifest Path: "), ("unlockCode", "Unlock Code: "),
                        ("defaultEndpoint", "Default Endpoint: ")):
        sys.stdout.write(prompt)
        sys.stdout.flush()
        answers[key] = sys.stdin.readline().strip()
    path = config_path()
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    config = {"version": 1, "profiles": {}}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as handle:
            config = json.load(handle)
    name = args.profile or "SnowballEdge"
    config["profiles"][name] = dict(answers, name=name, jobId="", isCluster=False, deviceIps=[])
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(config, handle)
    return 0


def parser():
    top = argparse.ArgumentParser(prog="snowballEdge", add_help=True)
    top.add_argument("--version", action="store_true")
    commands = top.add_subparsers(dest="command")
    for name in ("unlock-device", "unlock-cluster", "describe-device", "describe-cluster", "configure"):
        command = commands.add_parser(name)
        command.add_argument("--profile")
        command.add_argument("--endpoint")
        command.add_argument("--manifest-file")
        command.add_argument("--unlock-code")
        if name in ("unlock-cluster", "describe-cluster"):
            command.add_argument("--device-ip-addresses", nargs="+")
    return top


def main(argv=None):
    args = parser().parse_args(argv)
    if args.version:
        print(VERSION)
        return 0
    if not args.command:
        parser().print_help()
        return 2
    try:
        return run(args)
    except ClientError as error:
        sys.stderr.write("%s\n" % error)
        return 1


if __name__ == "__main__":
    sys.exit(main())
