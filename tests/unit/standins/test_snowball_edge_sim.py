# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The simulated snowballEdge must behave like the client, or the on-site tests prove nothing.

Sources of each behaviour are cited in tests/standins/snowball_edge_sim.py.
"""

from __future__ import annotations

import configparser
import ipaddress
import json
import os
import re
import resource
import ssl
import subprocess
import time

import pytest
from cryptography import x509

from ansible_collections.fieldops.snowball.tests.standins.client_output import jackson

UNLOCKING_SINGLE = ("Your Snowball Edge device is unlocking. You may determine the unlock state of your device using "
                    "the describe-device command. Your Snowball Edge device will be available for use when it is in "
                    "the UNLOCKED state.\n")


def client(site, *args, stdin=None, **env):
    return subprocess.run([site.client] + list(args), env=site.env(**env), capture_output=True, text=True,
                          input=stdin, check=False)


def credentials(site, job_id, ip="192.0.2.10", code=None):
    return ["--endpoint", "https://" + ip, "--manifest-file", site.manifest_file(job_id),
            "--unlock-code", code or site.world.jobs[job_id]["unlock_code"]]


def described(site, job_id, ip="192.0.2.10"):
    result = client(site, "describe-device", *credentials(site, job_id, ip))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def error_code(text):
    """The exception name the simulated client prints, as a caller must find it."""
    match = re.search(r"Error Code: (\w+)", text)
    return match and match.group(1)


# --- version, output format, the JVM


def test_version_is_a_subcommand_with_the_documented_output(site):
    result = client(site, "version")
    assert result.returncode == 0
    assert re.fullmatch(r"Snowball client version: \S+\s+Build \d+\n", result.stdout)
    # the JVM announces the options it picked up, on stderr, on every run
    assert result.stderr == "Picked up JAVA_TOOL_OPTIONS: -Duser.home=%s\n" % site.home
    assert client(site, "--version").returncode == 2  # no such flag is documented


def test_json_is_printed_as_jackson_prints_it():
    # the example of DG "Getting Your Certificate", character for character
    assert jackson({"Certificates": [{"CertificateArn": "arn:x", "SubjectAlternativeNames": ["192.0.2.0"]}]}) == (
        '{\n  "Certificates" : [ {\n    "CertificateArn" : "arn:x",\n'
        '    "SubjectAlternativeNames" : [ "192.0.2.0" ]\n  } ]\n}')
    assert jackson({"AccessKeyIds": []}) == '{\n  "AccessKeyIds" : [ ]\n}'


def test_startup_cost_burns_cpu_when_configured(site):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert client(site, "version", SNOWBALL_SIM_STARTUP_SECONDS="0.3").returncode == 0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU, not sleep: a JVM start is CPU work, and the fleet figures depend on it competing for cores
    assert (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime) >= 0.3
    assert "SNOWBALL_SIM_STARTUP_SECONDS" not in site.env()  # off unless asked for


# --- describe-device and the unlock


def test_describe_device_has_the_documented_fields(site):
    job_id = site.add_device()
    device = described(site, job_id)
    assert device["UnlockStatus"] == {"State": "LOCKED"}
    # shaped like DG's examples (JID and a UUID), and the device's own: not its job's id
    assert re.fullmatch(r"JID[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", device["DeviceId"])
    assert device["DeviceId"] != job_id and device["DeviceId"] == site.device("192.0.2.10")["device_id"]
    assert device["ActiveNetworkInterface"] == {"IpAddress": "192.0.2.10"} and device["DeviceType"] == "V3_5C"
    ports = device["PhysicalNetworkInterfaces"]
    assert {port["PhysicalConnectorType"] for port in ports} <= {"RJ45", "RJ45_2", "SFP_PLUS", "QSFP", "WIFI"}
    assert [port["IpAddress"] for port in ports if port["IpAddressAssignment"] == "DHCP"] == ["192.0.2.10"]
    assert all(port["PhysicalNetworkInterfaceId"].startswith("s.ni-") for port in ports)
    assert "ClusterAssociation" not in device  # a stand-alone device


def test_unlock_goes_through_unlocking_to_unlocked(site):
    job_id = site.add_device(unlock_delay=3600)
    result = client(site, "unlock-device", *credentials(site, job_id))
    assert result.returncode == 0 and result.stdout == UNLOCKING_SINGLE
    assert described(site, job_id)["UnlockStatus"]["State"] == "UNLOCKING"
    site.set_device("192.0.2.10", unlocking_since=time.time() - 3601)  # the device's clock moves on
    assert described(site, job_id)["UnlockStatus"]["State"] == "UNLOCKED"


def test_refused_unlock_goes_back_to_locked(site):
    """AWS's unlock-devices.sh: unlock-device succeeds, then describe-device shows LOCKED: a failure."""
    job_id = site.add_device(unlock_delay=3600, refuse_unlock=1)
    assert client(site, "unlock-device", *credentials(site, job_id)).returncode == 0
    assert described(site, job_id)["UnlockStatus"]["State"] == "UNLOCKING"
    site.set_device("192.0.2.10", unlocking_since=time.time() - 3601)
    assert described(site, job_id)["UnlockStatus"]["State"] == "LOCKED"
    # refuse_unlock=1 refuses once: the next unlock goes through
    assert client(site, "unlock-device", *credentials(site, job_id)).returncode == 0
    site.set_device("192.0.2.10", unlocking_since=time.time() - 3601)
    assert described(site, job_id)["UnlockStatus"]["State"] == "UNLOCKED"


def test_device_that_always_refuses_with_no_delay_is_locked_at_the_first_look(site):
    job_id = site.add_device(refuse_unlock=True)
    for _attempt in range(2):
        assert client(site, "unlock-device", *credentials(site, job_id)).returncode == 0
        assert site.device_states() == {"192.0.2.10": "LOCKED"}


# --- errors as the client prints them


def test_wrong_code_and_wrong_manifest_name_the_exception(site):
    job_id = site.add_device()
    other = site.add_device(ip="192.0.2.11")
    wrong_code = client(site, "unlock-device", *credentials(site, job_id, code="zzzzz-zzzzz-zzzzz-zzzzz-zzzzz"))
    assert wrong_code.returncode == 1 and wrong_code.stdout == ""
    assert error_code(wrong_code.stderr) == "IncorrectDeviceManifestException" and "unlock code" in wrong_code.stderr
    wrong_manifest = client(site, "unlock-device", "--endpoint", "192.0.2.10", "--manifest-file",
                            site.manifest_file(other), "--unlock-code", site.world.jobs[job_id]["unlock_code"])
    assert wrong_manifest.returncode == 1 and error_code(wrong_manifest.stderr) == "IncorrectDeviceManifestException"
    assert "zzzzz" not in wrong_code.stderr  # the code is never echoed
    assert site.device_states() == {"192.0.2.10": "LOCKED", "192.0.2.11": "LOCKED"}


def test_missing_manifest_is_reported_before_connecting(site):
    job_id = site.add_device(connection="unreachable")
    missing = client(site, "unlock-device", "--endpoint", "192.0.2.10", "--manifest-file", "/nonexistent",
                     "--unlock-code", site.world.jobs[job_id]["unlock_code"])
    assert missing.returncode == 1 and "Manifest file not found or not readable: /nonexistent" in missing.stderr


def test_booting_device_refuses_connections_then_answers(site):
    job_id = site.add_device(connection="refused")
    refused = client(site, "describe-device", *credentials(site, job_id))
    assert refused.returncode == 1 and refused.stdout == ""
    assert ("Unable to execute HTTP request: Connect to 192.0.2.10:9091 [/192.0.2.10] failed: Connection refused"
            in refused.stderr)
    site.set_device("192.0.2.10", connection="up")  # booted
    assert described(site, job_id)["UnlockStatus"]["State"] == "LOCKED"


def test_boot_seconds_refuse_until_the_device_has_booted(site):
    job_id = site.add_device(boot_seconds=600)
    assert "Connection refused" in client(site, "describe-device", *credentials(site, job_id)).stderr
    site.set_device("192.0.2.10", boots_at=time.time() - 1)
    assert described(site, job_id)["UnlockStatus"] == {"State": "LOCKED"}


def test_unreachable_device_and_unknown_ip_time_out(site):
    job_id = site.add_device(reachable=False)
    for ip in ("192.0.2.10", "192.0.2.99"):
        result = client(site, "describe-device", *credentials(site, job_id, ip=ip))
        assert result.returncode == 1 and "Connect to %s:9091 [/%s] failed: connect timed out" % (ip, ip) in result.stderr


def test_errors_can_be_sent_to_stdout(site):
    job_id = site.add_device(connection="refused")
    result = client(site, "describe-device", *credentials(site, job_id), SNOWBALL_SIM_ERRORS_TO="stdout")
    assert result.returncode == 1 and "Connection refused" in result.stdout and "Connection refused" not in result.stderr


# --- clusters


def test_cluster_nodes_share_one_code_and_manifest(site):
    cluster = site.add_cluster(["192.0.2.21", "192.0.2.22", "192.0.2.23"])
    jobs = [site.world.jobs[job_id] for job_id in cluster.job_ids]
    assert len({job["unlock_code"] for job in jobs}) == 1 and len({job["manifest"] for job in jobs}) == 1
    # any node as endpoint, any node's job's credentials: the whole cluster unlocks
    result = client(site, "unlock-cluster", *credentials(site, cluster.job_ids[2], ip="192.0.2.22"),
                    "--device-ip-addresses", *cluster.ips)
    assert result.returncode == 0 and result.stdout.startswith("Your Snowball Edge Cluster is unlocking.")
    assert set(site.device_states().values()) == {"UNLOCKED"}
    assert site.client_invocations("unlock-cluster")[0]["device_ips"] == cluster.ips


def test_unlock_cluster_unlocks_only_the_ips_listed(site):
    cluster = site.add_cluster(["192.0.2.21", "192.0.2.22", "192.0.2.23"])
    result = client(site, "unlock-cluster", *credentials(site, cluster.job_ids[0], ip="192.0.2.21"),
                    "--device-ip-addresses", "192.0.2.22", "192.0.2.23")
    assert result.returncode == 0
    assert site.device_states() == {"192.0.2.21": "LOCKED", "192.0.2.22": "UNLOCKED", "192.0.2.23": "UNLOCKED"}


def test_unlock_cluster_refuses_duplicates(site):
    cluster = site.add_cluster(["192.0.2.21", "192.0.2.22", "192.0.2.23"])
    result = client(site, "unlock-cluster", *credentials(site, cluster.job_ids[0], ip="192.0.2.21"),
                    "--device-ip-addresses", "192.0.2.21", "192.0.2.22", "192.0.2.22", "192.0.2.23")
    assert result.returncode == 1 and error_code(result.stderr) == "InvalidParameterValueException"
    assert set(site.device_states().values()) == {"LOCKED"}


def test_describe_cluster_lists_every_node_and_an_unreachable_one_without_failing(site):
    cluster = site.add_cluster(["192.0.2.21", "192.0.2.22", "192.0.2.23"], unreachable=["192.0.2.23"])
    assert client(site, "unlock-cluster", *credentials(site, cluster.job_ids[0], ip="192.0.2.21"),
                  "--device-ip-addresses", *cluster.ips).returncode == 0
    result = client(site, "describe-cluster", *credentials(site, cluster.job_ids[0], ip="192.0.2.21"),
                    "--device-ip-addresses", "192.0.2.21")  # every node is listed, not only the IPs passed
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["ClusterId"] == cluster.cluster_id
    nodes = {node["ActiveNetworkInterface"]["IpAddress"]: node for node in report["Devices"]}
    assert list(nodes) == cluster.ips
    assert nodes["192.0.2.23"]["NetworkReachability"] == {"State": "UNREACHABLE"}
    assert nodes["192.0.2.23"]["UnlockStatus"] == {"State": "LOCKED"}  # it never got the unlock
    assert nodes["192.0.2.21"]["NetworkReachability"] == {"State": "REACHABLE"}
    assert {node["ClusterAssociation"]["State"] for node in nodes.values()} == {"ASSOCIATED"}
    assert {node["ClusterAssociation"]["ClusterId"] for node in nodes.values()} == {cluster.cluster_id}
    assert [nodes[ip]["DeviceId"] for ip in cluster.ips] == cluster.job_ids  # a node's id is its job's (DG)


def test_describe_cluster_on_a_standalone_device_fails(site):
    job_id = site.add_device()
    result = client(site, "describe-cluster", *credentials(site, job_id))
    assert result.returncode == 1 and error_code(result.stderr) == "UnsupportedOperationException"


def test_cluster_profile_gives_the_device_ips(site):
    cluster = site.add_cluster(["192.0.2.21", "192.0.2.22", "192.0.2.23"])
    os.makedirs(os.path.dirname(site.config_path()), mode=0o700)
    with open(site.config_path(), "w", encoding="utf-8") as handle:
        json.dump({"version": 1, "profiles": {"rack": {
            "name": "rack", "jobId": cluster.job_ids[0], "unlockCode": site.world.jobs[cluster.job_ids[0]]["unlock_code"],
            "manifestPath": site.manifest_file(cluster.job_ids[0]), "defaultEndpoint": "https://192.0.2.21",
            "isCluster": True, "deviceIps": cluster.ips}}}, handle)
    assert client(site, "unlock-cluster", "--profile", "rack").returncode == 0
    assert set(site.device_states().values()) == {"UNLOCKED"}


# --- the client's home


def test_home_comes_from_java_tool_options_not_home(site, tmp_path):
    job_id = site.add_device()
    decoy = tmp_path / "decoy-home"
    decoy.mkdir()
    answers = "%s\n%s\nhttps://192.0.2.10\n" % (site.manifest_file(job_id), site.world.jobs[job_id]["unlock_code"])
    result = client(site, "configure", "--profile", "bench", stdin=answers, HOME=str(decoy))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Configuration will be stored at %s\n" % site.config_path())
    assert os.path.exists(site.config_path()) and not os.listdir(decoy)


# --- configure


def test_configure_writes_the_profile_the_client_then_uses(site):
    job_id = site.add_device()
    answers = "%s\n%s\nhttps://192.0.2.10\n" % (site.manifest_file(job_id), site.world.jobs[job_id]["unlock_code"])
    result = client(site, "configure", "--profile", "bench", stdin=answers)
    assert result.returncode == 0
    assert "Snowball Edge Manifest Path: Unlock Code: Default Endpoint: " in result.stdout
    assert os.stat(site.config_path()).st_mode & 0o777 == 0o600
    assert client(site, "unlock-device", "--profile", "bench").returncode == 0
    assert [call["command"] for call in site.client_invocations()] == ["configure", "unlock-device"]


def test_configure_checks_the_code_against_the_manifest_before_saving(site):
    job_id = site.add_device()
    manifest = site.manifest_file(job_id)
    for code, complaint in (("zzzzz-zzzzz-zzzzz-zzzzz-zzzzz", "does not decrypt the manifest"),
                            ("not-a-code", "29 characters")):
        result = client(site, "configure", stdin="%s\n%s\nhttps://192.0.2.10\n" % (manifest, code))
        assert result.returncode == 1 and complaint in result.stderr and code not in result.stderr
    assert client(site, "configure", stdin="/nonexistent\nx\ny\n").returncode == 1
    assert not os.path.exists(site.config_path())


def test_default_profile_is_used_without_options(site):
    job_id = site.add_device()
    answers = "%s\n%s\nhttps://192.0.2.10\n" % (site.manifest_file(job_id), site.world.jobs[job_id]["unlock_code"])
    assert client(site, "configure", stdin=answers).returncode == 0
    assert json.loads(client(site, "describe-device").stdout)["ActiveNetworkInterface"] == {"IpAddress": "192.0.2.10"}


# --- the device's own credentials and certificate


def test_credential_commands_need_an_unlocked_device(site):
    job_id = site.add_device()
    key_id = next(iter(site.access_keys("192.0.2.10")))
    for command in (["list-access-keys"], ["get-secret-access-key", "--access-key-id", key_id],
                    ["list-certificates"], ["get-certificate", "--certificate-arn", "arn:aws:snowball-device:::certificate/0"]):
        result = client(site, *command, *credentials(site, job_id))
        assert result.returncode == 1 and result.stdout == "" and error_code(result.stderr) == "IncorrectDeviceStateException"


def test_access_keys_and_secrets(site):
    job_id = site.add_device(device_state="UNLOCKED", access_keys=3)
    other = site.add_device(ip="192.0.2.11", device_state="UNLOCKED")
    keys = site.access_keys("192.0.2.10")
    listed = client(site, "list-access-keys", *credentials(site, job_id))
    assert listed.returncode == 0 and listed.stdout.startswith('{\n  "AccessKeyIds" : [ "AKIA')
    assert json.loads(listed.stdout) == {"AccessKeyIds": list(keys)}
    for key_id, secret in keys.items():
        result = client(site, "get-secret-access-key", "--access-key-id", key_id, *credentials(site, job_id))
        assert result.returncode == 0
        assert result.stdout == "[snowballEdge]\naws_access_key_id = %s\naws_secret_access_key = %s\n" % (key_id, secret)
        ini = configparser.ConfigParser()
        ini.read_string(result.stdout)
        assert ini["snowballEdge"]["aws_secret_access_key"] == secret
    # fresh random secrets per device: usable as canaries
    secrets_seen = site.secret_access_keys()
    assert len(secrets_seen) == 4 and len(set(secrets_seen)) == 4 and all(len(secret) == 40 for secret in secrets_seen)
    unknown = client(site, "get-secret-access-key", "--access-key-id", next(iter(site.access_keys("192.0.2.11"))),
                     *credentials(site, job_id))
    assert unknown.returncode == 1 and error_code(unknown.stderr) == "ResourceNotFoundException" and other


def test_certificate_is_the_devices_own_with_its_ip(site):
    job_id = site.add_device(device_state="UNLOCKED")
    listed = client(site, "list-certificates", *credentials(site, job_id))
    assert listed.returncode == 0
    (entry,) = json.loads(listed.stdout)["Certificates"]
    assert re.fullmatch(r"arn:aws:snowball-device:::certificate/[0-9a-f]{32}", entry["CertificateArn"])
    assert entry["SubjectAlternativeNames"] == ["192.0.2.10"]
    fetched = client(site, "get-certificate", "--certificate-arn", entry["CertificateArn"], *credentials(site, job_id))
    assert fetched.returncode == 0 and fetched.stdout.startswith("-----BEGIN CERTIFICATE-----\n")
    assert fetched.stdout == site.device_certificate("192.0.2.10")
    certificate = x509.load_pem_x509_certificate(fetched.stdout.encode())
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("192.0.2.10")]
    ssl.create_default_context(cadata=fetched.stdout)  # usable as a CA bundle
    wrong = client(site, "get-certificate", "--certificate-arn", entry["CertificateArn"][:-1] + "x", *credentials(site, job_id))
    assert wrong.returncode == 1 and error_code(wrong.stderr) == "ResourceNotFoundException"


# --- the invocation log


def test_invocation_log_keeps_calls_but_never_a_secret(site):
    job_id = site.add_device(device_state="UNLOCKED")
    key_id, secret = next(iter(site.access_keys("192.0.2.10").items()))
    client(site, "get-secret-access-key", "--access-key-id", key_id, *credentials(site, job_id))
    client(site, "unlock-device", *credentials(site, job_id, code="zzzzz-zzzzz-zzzzz-zzzzz-zzzzz"))
    calls = site.client_invocations()
    assert [(call["command"], call["endpoint"], call["rc"]) for call in calls] == [
        ("get-secret-access-key", "https://192.0.2.10", 0), ("unlock-device", "https://192.0.2.10", 1)]
    with open(os.path.join(site.sim_state, "invocations.jsonl"), encoding="utf-8") as handle:
        logged = handle.read()
    for secret_text in (secret, site.world.jobs[job_id]["unlock_code"], "zzzzz-zzzzz", key_id):
        assert secret_text not in logged


def test_harness_refuses_two_devices_on_one_ip(site):
    site.add_device()
    with pytest.raises(ValueError, match="already"):
        site.add_device()
