# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A simulated ``snowballEdge`` client and the devices behind it.

It takes the commands and options of the AWS Snowball Edge client and prints
what the client prints, but instead of talking to devices on port 9091 it
reads and writes the simulated devices in ``$SNOWBALL_SIM_STATE/devices.json``.
Each behaviour cites its source where it is modelled, and says so where the
sources leave it undocumented. "DG" below is the Snowball Edge
developer guide (archived ``awsdocs/aws-snowball-developer-guide``,
``doc_source/``), "API" the on-device API's generated client in
``aws/eks-anywhere`` (``internal/aws-sdk-go-v2/service/snowballdevice``),
"AWS scripts" ``aws-samples/aws-snow-tools-for-eks-anywhere`` ``setup-tools/``.

Devices (see ``make_device``): a device checks that the manifest and code it
is given are its own and goes LOCKED -> UNLOCKING -> UNLOCKED over its
``unlock_delay`` seconds, or, when it refuses the unlock, LOCKED -> UNLOCKING
-> LOCKED. A device may refuse connections (still booting) or not answer at
all. A cluster's nodes share one manifest and one code.

Environment:

``SNOWBALL_SIM_STATE``
    the directory with ``devices.json`` (required by every command that talks
    to a device). Every run is appended to ``invocations.jsonl`` there:
    command, endpoint, device IPs, pid, start time, duration and exit code,
    never a code, manifest or key.
``SNOWBALL_SIM_STARTUP_SECONDS``
    CPU seconds each run burns before anything else, as the real client's JVM
    start costs CPU (not sleep). Default 0: off.
``SNOWBALL_SIM_ERRORS_TO``
    ``stderr`` (default) or ``stdout``: where failures are printed (undocumented
    for the real client; tests use it to prove a caller reads both).
``JAVA_TOOL_OPTIONS``, ``_JAVA_OPTIONS``
    read as the JVM reads them (``jvm.py``): ``-Duser.home=PATH`` sets the home
    the client's config lives under, ``Picked up ...`` goes to stderr, an
    unclosed quote stops the JVM. Without them the home is the password
    database's, never ``$HOME``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time

try:
    from . import device_services, jvm
    from .client_output import describe, describe_member, print_json, unlocking_message
    from .simulated_devices import (MANAGEMENT_PORT, UNLOCKED, ClientError, ServiceError, authenticate,
                                    code_opens_manifest, connection_of, devices_locked, reach, require_unlocked,
                                    settings, settle, start_unlock, state_dir)
    # re-exported: playbook tests import the device table's writer from the client's module
    from .simulated_devices import write_devices  # pylint: disable=unused-import
except ImportError:  # run as the client itself (runpy.run_path from the harness's snowballEdge), not as a package
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import device_services  # pylint: disable=import-error
    import jvm  # pylint: disable=import-error
    from client_output import describe, describe_member, print_json, unlocking_message  # pylint: disable=import-error
    from simulated_devices import (MANAGEMENT_PORT, UNLOCKED, ClientError, ServiceError,  # pylint: disable=import-error
                                   authenticate, code_opens_manifest, connection_of, devices_locked, reach,
                                   require_unlocked, settings, settle, start_unlock, state_dir)

CONFIG_RELATIVE = os.path.join(".aws", "snowball", "config", "snowball-edge.config")
# DG using-client-commands.md, "Snowball Edge client version": the documented shape of `version`'s output.
VERSION = "Snowball client version: 1.2.0  Build 661"
DEFAULT_PROFILE = "SnowballEdge"
UNLOCK_CODE = re.compile(r"[A-Za-z0-9]{5}(?:-[A-Za-z0-9]{5}){4}\Z")  # 29 characters: 25 alphanumerics, 4 hyphens


def read_manifest(path):
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except (OSError, TypeError):
        raise ClientError("Manifest file not found or not readable: %s" % path) from None


# --- the client's home and profiles


def config_path():
    return os.path.join(jvm.user_home(os.environ), CONFIG_RELATIVE)


def load_profiles(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle).get("profiles", {})
    except (OSError, ValueError, AttributeError):
        raise ClientError("Unable to read the configuration file %s." % path) from None


def resolve_credentials(args):
    """Options on the command line win over the profile's; without either, the default profile (DG: after
    `configure`, commands run "without having to manually enter these values")."""
    inline = {"endpoint": args.endpoint, "manifest": args.manifest_file, "unlock_code": args.unlock_code}
    profile = {}
    name = args.profile
    if not name and not all(inline.values()):
        path = config_path()
        name = DEFAULT_PROFILE if os.path.exists(path) and DEFAULT_PROFILE in load_profiles(path) else None
    if name:
        path = config_path()
        profiles = load_profiles(path)
        if name not in profiles:
            raise ClientError("Profile %s was not found in %s." % (name, path))
        profile = profiles[name]
    credentials = {
        "endpoint": inline["endpoint"] or profile.get("defaultEndpoint"),
        "manifest": inline["manifest"] or profile.get("manifestPath"),
        "unlock_code": inline["unlock_code"] or profile.get("unlockCode"),
        "device_ips": list(profile.get("deviceIps") or []),
    }
    missing = [flag for flag, key in (("--endpoint", "endpoint"), ("--manifest-file", "manifest"),
                                      ("--unlock-code", "unlock_code")) if not credentials[key]]
    if missing:
        raise ClientError("Missing required options: %s (or use --profile)." % ", ".join(missing))
    return credentials


def host_of(endpoint):
    host = endpoint.split("://", 1)[-1].rstrip("/")
    if host.count(":") == 1:
        host, port = host.split(":")
        if port != str(MANAGEMENT_PORT):
            raise ClientError("Unable to execute HTTP request: Connect to %s:%s [/%s] failed: Connection refused "
                              "(Connection refused)" % (host, port, host))
    return host


# --- the commands


def cluster_ips(args, credentials):
    ips = list(getattr(args, "device_ip_addresses", None) or credentials["device_ips"])
    duplicates = sorted({ip for ip in ips if ips.count(ip) > 1})
    if duplicates:  # undocumented whether the real client refuses them; a caller must never send any
        raise ServiceError("InvalidParameterValueException", "Duplicate device IP addresses: %s." % ", ".join(duplicates))
    return ips


def run_device_command(args, record):
    credentials = resolve_credentials(args)
    record["endpoint"] = credentials["endpoint"]
    ip = host_of(credentials["endpoint"])
    credentials["manifest_bytes"] = read_manifest(credentials["manifest"])  # the client reads it before connecting
    with devices_locked() as devices:
        device = reach(devices, ip)
        authenticate(device, credentials)
        command = args.command
        if command == "describe-device":
            print_json(describe(device))
        elif command == "describe-cluster":
            record["device_ips"] = cluster_ips(args, credentials)
            if not device.get("cluster_id"):
                raise ServiceError("UnsupportedOperationException", "The device at %s is not part of a cluster." % ip)
            if settings().get("strict_describe_cluster") and device["state"] != UNLOCKED:
                # DG ClusterOverview.md: describe-cluster "reports back the lock and network reachability state for
                # every node in an unlocked cluster", and unlock-cluster's own output points to describe-device
                # (unlocking_message). The stricter reading: refused while the node asked is not UNLOCKED, with
                # the on-device API's error for a device in the wrong state (API types/errors.go).
                raise ServiceError("IncorrectDeviceStateException", "The cluster is not unlocked: the device at %s is "
                                   "%s. Use describe-device to follow an unlock." % (ip, device["state"]))
            # every node of the cluster, whatever IPs were passed (DG ClusterOverview.md: "for every node")
            members = [member for member in devices.values() if member.get("cluster_id") == device["cluster_id"]]
            print_json({"ClusterId": device["cluster_id"], "Devices": [describe_member(member) for member in members]})
        elif command == "unlock-device":
            start_unlock(device)
            print(unlocking_message(cluster=False))
        elif command == "unlock-cluster":
            unlock_cluster(devices, device, cluster_ips(args, credentials), credentials, record)
            print(unlocking_message(cluster=True))
        elif command == "reboot-device":
            # DG using-client-commands.md: "Rebooting device now."; what follows is device_services.cut_power's
            device_services.cut_power(device, down_seconds=device.get("reboot_seconds", 60.0))
            print("Rebooting device now.")
        elif command in ("list-services", "describe-service", "describe-device-software"):
            require_unlocked(device)  # undocumented on a locked device: the stricter reading refuses
            service_command(devices, device, args, record)
        else:
            require_unlocked(device)
            credential_command(device, args)
    return 0


def service_command(devices, device, args, record):
    """list-services, describe-service and describe-device-software, as device_services shapes them."""
    if args.command == "list-services":
        print_json({"ServiceIds": device_services.service_ids(device)})
    elif args.command == "describe-device-software":
        print(device_services.software_lines(device))
    else:
        ips = list(args.device_ip_addresses or [])
        record["device_ips"] = ips or None
        members = [devices[ip] for ip in ips if ip in devices and connection_of(devices[ip]) == "up"
                   and devices[ip].get("cluster_id") and devices[ip].get("cluster_id") == device.get("cluster_id")]
        try:
            print_json(device_services.describe_service(device, args.service_id, members))
        except device_services.UnknownService:
            # undocumented answer; ResourceNotFoundException is the on-device API's error for it (API types/errors.go)
            raise ServiceError("ResourceNotFoundException", "The service %s is not available on the device at %s."
                               % (args.service_id, device["ip"])) from None


def unlock_cluster(devices, endpoint, ips, credentials, record):
    """Unlock the nodes listed (DG: "you provide the endpoint for one of your nodes, and all the IP addresses
    for the other devices"): one manifest and one code for all (DG how-it-works.md). A listed node that does
    not answer is left as it is, and describe-cluster shows it UNREACHABLE."""
    record["device_ips"] = ips
    if not ips:
        raise ClientError("unlock-cluster needs --device-ip-addresses (or a profile with deviceIps).")
    if not endpoint.get("cluster_id"):
        raise ServiceError("UnsupportedOperationException", "The device at %s is not part of a cluster." % endpoint["ip"])
    targets = []
    for ip in ips:
        node = devices.get(ip)
        if node is None or connection_of(node) != "up":
            continue
        if node.get("cluster_id") != endpoint["cluster_id"]:
            raise ServiceError("IncorrectDeviceManifestException", "The manifest file is not valid for the device at %s." % ip)
        authenticate(settle(node), credentials)
        targets.append(node)
    for node in targets:
        start_unlock(node)


def credential_command(device, args):
    """DG "Getting Credentials" and "Getting Your Certificate": the four commands and their output."""
    if args.command == "list-access-keys":
        print_json({"AccessKeyIds": list(device.get("access_keys", {}))})
    elif args.command == "get-secret-access-key":
        secret = device.get("access_keys", {}).get(args.access_key_id)
        if secret is None:  # undocumented answer; ResourceNotFoundException is the API's error for it
            raise ServiceError("ResourceNotFoundException", "The access key %s was not found on the device at %s."
                               % (args.access_key_id, device["ip"]))
        print("[snowballEdge]\naws_access_key_id = %s\naws_secret_access_key = %s" % (args.access_key_id, secret))
    elif args.command == "list-certificates":
        certificate = device.get("certificate")
        entries = [{"CertificateArn": certificate["arn"], "SubjectAlternativeNames": [device["ip"]]}] if certificate else []
        print_json({"Certificates": entries})
    else:
        certificate = device.get("certificate")
        if not certificate or certificate["arn"] != args.certificate_arn:
            raise ServiceError("ResourceNotFoundException", "The certificate %s was not found on the device at %s."
                               % (args.certificate_arn, device["ip"]))
        sys.stdout.write(certificate["pem"] if certificate["pem"].endswith("\n") else certificate["pem"] + "\n")


def configure(args):
    """Prompt as DG using-client-commands.md shows, check the answers, then save the profile. Whether the
    real client checks anything is undocumented: this one refuses an unreadable manifest, a code not of the
    documented form and a code that does not open the manifest, and then writes nothing."""
    path = config_path()
    print("Configuration will be stored at %s" % path)
    answers = {}
    for key, option, prompt in (("manifestPath", args.manifest_file, "Snowball Edge Manifest Path: "),
                                ("unlockCode", args.unlock_code, "Unlock Code: "),
                                ("defaultEndpoint", args.endpoint, "Default Endpoint: ")):
        if option:
            answers[key] = option
            continue
        sys.stdout.write(prompt)
        sys.stdout.flush()
        answers[key] = sys.stdin.readline().strip()
    manifest = read_manifest(answers["manifestPath"])
    if not UNLOCK_CODE.match(answers["unlockCode"]):
        raise ClientError("The unlock code is not valid: it has 29 characters, five groups of five letters or digits "
                          "separated by hyphens.")
    if code_opens_manifest(manifest, answers["unlockCode"]) is False:
        raise ClientError("The unlock code does not decrypt the manifest file %s." % answers["manifestPath"])
    if not answers["defaultEndpoint"]:
        raise ClientError("Missing required option: Default Endpoint.")
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    config = {"version": 1, "profiles": {}}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as handle:
            config = json.load(handle)
    name = args.profile or DEFAULT_PROFILE
    config.setdefault("profiles", {})[name] = dict(answers, name=name, jobId="", isCluster=False, deviceIps=[])
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(config, handle)
    return 0


DEVICE_COMMANDS = ("unlock-device", "unlock-cluster", "describe-device", "describe-cluster", "list-access-keys",
                   "get-secret-access-key", "list-certificates", "get-certificate", "list-services",
                   "describe-service", "describe-device-software", "reboot-device")


def parser():
    top = argparse.ArgumentParser(prog="snowballEdge")
    commands = top.add_subparsers(dest="command")
    commands.add_parser("version")  # DG "Snowball Edge client version": a subcommand, not a flag
    commands.add_parser("help")  # DG using-client.md: "snowballEdge help"
    for name in DEVICE_COMMANDS + ("configure",):
        command = commands.add_parser(name)
        command.add_argument("--profile")
        command.add_argument("--endpoint")
        command.add_argument("--manifest-file")
        command.add_argument("--unlock-code")
        if name in ("unlock-cluster", "describe-cluster", "describe-service"):
            command.add_argument("--device-ip-addresses", nargs="+")
        if name == "describe-service":
            command.add_argument("--service-id", required=True)
        if name == "get-secret-access-key":
            command.add_argument("--access-key-id", required=True)
        if name == "get-certificate":
            command.add_argument("--certificate-arn", required=True)
    return top


def start_jvm():
    """What happens before the client's own code runs: the JVM's start-up CPU and its stderr notice."""
    try:
        seconds = float(os.environ.get("SNOWBALL_SIM_STARTUP_SECONDS") or 0)
    except ValueError:
        sys.stderr.write("SNOWBALL_SIM_STARTUP_SECONDS must be a number of seconds\n")
        sys.exit(2)
    deadline = time.process_time() + seconds
    spins = 0
    while time.process_time() < deadline:
        spins += 1
    sys.stderr.write(jvm.picked_up(os.environ))
    sys.stderr.flush()
    try:
        jvm.system_properties(os.environ)
    except jvm.JvmStartFailure as failure:  # the JVM refuses its options: the client never runs
        sys.stderr.write(str(failure))
        sys.exit(1)


def record_invocation(record):
    directory = os.environ.get("SNOWBALL_SIM_STATE")
    if directory and os.path.isdir(directory):
        with open(os.path.join(directory, "invocations.jsonl"), "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")


def hang(command):
    """A client that hangs (settings ``hang``: the commands, or all when empty, and for how long): it starts a
    child that holds its stdout and stderr, then both sleep far past any timeout. A caller's deadline must kill
    both: killing only this process leaves the child holding the pipes open. Each hang is logged to
    ``hangs.jsonl`` (command and both pids) before it starts, for tests to check that nothing is left."""
    options = settings().get("hang")
    if not options or (options.get("commands") and command not in options["commands"]):
        return
    import subprocess  # pylint: disable=import-outside-toplevel

    seconds = float(options.get("seconds", 3600))
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(%r)" % seconds])
    with open(os.path.join(state_dir(), "hangs.jsonl"), "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"command": command, "pid": os.getpid(), "child_pid": child.pid}) + "\n")
    sys.stdout.flush()
    time.sleep(seconds)  # the behaviour under test: a client that does not answer


def main(argv=None):
    started = time.time()
    start_jvm()
    args = parser().parse_args(argv)
    if args.command in (None, "help"):
        parser().print_help()
        return 0 if args.command else 1
    hang(args.command)
    record = {"command": args.command, "endpoint": None, "device_ips": None, "pid": os.getpid(), "started": started}
    rc = 1
    try:
        if args.command == "version":
            print(VERSION)
            rc = 0
        elif args.command == "configure":
            rc = configure(args)
        else:
            rc = run_device_command(args, record)
    except ClientError as error:
        stream = sys.stdout if os.environ.get("SNOWBALL_SIM_ERRORS_TO") == "stdout" else sys.stderr
        stream.write("%s\n" % error)
        rc = 1
    finally:
        record.update(rc=rc, seconds=round(time.time() - started, 3))
        record_invocation(record)
    return rc


if __name__ == "__main__":
    sys.exit(main())
