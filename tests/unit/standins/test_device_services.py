# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A simulated device reports its services, software and certificate expiry as the developer guide shows,
comes back LOCKED after a reboot or power cut, refuses describe-cluster before the unlock when asked to, and can
hang like a client that never answers. Sources are cited in tests/standins/device_services.py and
snowball_edge_sim.py."""

from __future__ import annotations

import datetime
import json
import os
import re
import signal
import subprocess
import time

import pytest

from ansible_collections.fieldops.snowball.tests.standins import device_services

IP = "192.0.2.10"


def client(site, *args, timeout=60):
    return subprocess.run([site.client] + list(args), env=site.env(), capture_output=True, text=True, check=False,
                          timeout=timeout)


def with_credentials(site, job_id, ip=IP):
    return ["--endpoint", "https://" + ip, "--manifest-file", site.manifest_file(job_id),
            "--unlock-code", site.world.jobs[job_id]["unlock_code"]]


def answer(site, job_id, *command, ip=IP):
    result = client(site, *(list(command) + with_credentials(site, job_id, ip)))
    assert result.returncode == 0, result.stderr
    return result.stdout


def error_code(result):
    match = re.search(r"Error Code: (\w+)", result.stderr)
    return match and match.group(1)


def state(site, job_id, ip=IP):
    return json.loads(answer(site, job_id, "describe-device", ip=ip))["UnlockStatus"]["State"]


# --- services


def test_an_s3_adapter_device_serves_s3_on_8443_of_its_own_ip_with_its_certificate(site):
    job_id = site.add_device(device_state="UNLOCKED")
    assert json.loads(answer(site, job_id, "list-services"))["ServiceIds"] == ["s3", "ec2"]
    service = json.loads(answer(site, job_id, "describe-service", "--service-id", "s3"))
    https = [endpoint for endpoint in service["Endpoints"] if endpoint["Protocol"] == "https"]
    assert https == [{"Protocol": "https", "Port": 8443, "Host": IP, "CertificateAssociation": {
        "CertificateArn": site.device(IP)["certificate"]["arn"]}}]
    assert service["Status"] == {"State": "ACTIVE"}
    ec2 = json.loads(answer(site, job_id, "describe-service", "--service-id", "ec2"))
    assert [(endpoint["Protocol"], endpoint["Port"]) for endpoint in ec2["Endpoints"]] == [("http", 8008), ("https", 8243)]
    refused = client(site, "describe-service", "--service-id", "s3-snow", *with_credentials(site, job_id))
    assert refused.returncode == 1 and error_code(refused) == "ResourceNotFoundException"


def test_an_s3_on_snow_device_serves_s3_on_443_of_its_virtual_interfaces(site):
    job_id = site.add_device(device_state="UNLOCKED", s3="s3-snow", s3_snow_ips=("192.0.2.110", "192.0.2.111"))
    assert json.loads(answer(site, job_id, "list-services"))["ServiceIds"] == ["s3-snow", "ec2"]
    service = json.loads(answer(site, job_id, "describe-service", "--service-id", "s3-snow"))
    assert service["ServiceId"] == "s3-snow" and service["Status"] == {"State": "ACTIVE"}
    device_id = site.device(IP)["device_id"]
    assert [(e["Host"], e["Port"], e["Protocol"], e["Description"], e["DeviceId"]) for e in service["Endpoints"]] == [
        ("192.0.2.110", 443, "https", "s3-snow bucket API endpoint", device_id),
        ("192.0.2.111", 443, "https", "s3-snow object API endpoint", device_id)]
    assert all(endpoint["CertificateAssociation"]["CertificateArn"].startswith("arn:aws:snowball-device:::certificate/")
               for endpoint in service["Endpoints"])
    refused = client(site, "describe-service", "--service-id", "s3", *with_credentials(site, job_id))
    assert refused.returncode == 1 and error_code(refused) == "ResourceNotFoundException"


def test_describe_service_for_a_cluster_lists_the_endpoints_of_every_node_named(site):
    cluster = site.add_cluster(["192.0.2.21", "192.0.2.22", "192.0.2.23"], device_state="UNLOCKED", s3="s3-snow")
    service = json.loads(answer(site, cluster.job_ids[0], "describe-service", "--service-id", "s3-snow",
                                "--device-ip-addresses", *cluster.ips, ip="192.0.2.21"))
    hosts = [endpoint["Host"] for endpoint in service["Endpoints"]]
    assert hosts == [address for ip in cluster.ips for address in device_services.s3_snow_ips(ip)]
    assert {endpoint["DeviceId"] for endpoint in service["Endpoints"]} == {site.device(ip)["device_id"] for ip in cluster.ips}


def test_services_are_not_described_by_a_locked_device(site):
    job_id = site.add_device()
    for command in (["list-services"], ["describe-service", "--service-id", "s3"], ["describe-device-software"]):
        result = client(site, *(command + with_credentials(site, job_id)))
        assert result.returncode == 1 and error_code(result) == "IncorrectDeviceStateException", command


def test_an_unknown_s3_kind_is_refused():
    from ansible_collections.fieldops.snowball.tests.standins import simulated_devices  # pylint: disable=import-outside-toplevel

    with pytest.raises(ValueError):
        simulated_devices.make_device(IP, "JID1", "code", b"manifest", s3="minio")


# --- software and certificate


def test_the_certificate_expiry_is_reported_by_describe_device_software(site):
    job_id = site.add_device(device_state="UNLOCKED", certificate_days=20)
    lines = answer(site, job_id, "describe-device-software").splitlines()
    assert lines[0].startswith("Installed version: ") and "Install State: NA" in lines
    expiry = [line for line in lines if line.startswith("CertificateExpiry: ")]
    assert len(expiry) == 1
    when = datetime.datetime.strptime(expiry[0][len("CertificateExpiry: "):], "%a %b %d %H:%M:%S UTC %Y")
    days = (when.replace(tzinfo=datetime.timezone.utc) - datetime.datetime.now(datetime.timezone.utc)).days
    assert days in (19, 20)


def test_the_certificate_expires_360_days_after_the_job_by_default(site):
    job_id = site.add_device(age_days=300)
    created = site.world.jobs[job_id]["metadata"]["CreationDate"]
    assert site.device(IP)["certificate_expires"] == pytest.approx(created + 360 * 86400)


def test_java_dates_are_printed_as_java_prints_them():
    assert device_services.java_date(0) == "Thu Jan 01 00:00:00 UTC 1970"


# --- reboots and power cuts (the device's own clock; cuts placed in the past or far future, never waited for)


def test_a_device_answers_unlocked_until_its_power_is_cut(site):
    job_id = site.add_device(device_state="UNLOCKED")
    site.power_cycle(IP, after=3600)
    assert state(site, job_id) == "UNLOCKED"


def test_a_device_without_power_does_not_answer(site):
    job_id = site.add_device(device_state="UNLOCKED")
    site.power_cycle(IP, down_seconds=3600)
    result = client(site, "describe-device", *with_credentials(site, job_id))
    assert result.returncode == 1 and "connect timed out" in result.stderr


def test_a_device_back_from_a_power_cut_is_locked(site):
    job_id = site.add_device(device_state="UNLOCKED")
    site.power_cycle(IP, after=-20, down_seconds=10)
    assert state(site, job_id) == "LOCKED"
    answer(site, job_id, "unlock-device")
    assert state(site, job_id) == "UNLOCKED"  # and unlocks again with the same manifest and code


def test_a_booting_device_refuses_connections_after_the_silence(site):
    job_id = site.add_device(device_state="UNLOCKED")
    site.power_cycle(IP, after=-20, down_seconds=10, boot_seconds=3600)
    assert "Connection refused" in client(site, "describe-device", *with_credentials(site, job_id)).stderr


def test_a_power_cut_during_an_unlock_leaves_the_device_locked(site):
    job_id = site.add_device(unlock_delay=3600)
    answer(site, job_id, "unlock-device")
    site.power_cycle(IP, after=-20, down_seconds=10)
    assert state(site, job_id) == "LOCKED"


def test_reboot_device_goes_silent_then_comes_back_locked(site):
    job_id = site.add_device(device_state="UNLOCKED", reboot_seconds=3600)
    assert answer(site, job_id, "reboot-device") == "Rebooting device now.\n"
    assert "connect timed out" in client(site, "describe-device", *with_credentials(site, job_id)).stderr
    site.power_cycle(IP, after=-20, down_seconds=10)  # as if the hour had passed
    assert state(site, job_id) == "LOCKED"


# --- the cluster reading


def test_describe_cluster_before_the_unlock_is_refused_under_the_stricter_reading(tmp_path):
    from ansible_collections.fieldops.snowball.tests.standins.harness import Site  # pylint: disable=import-outside-toplevel

    site = Site(tmp_path, strict_describe_cluster=True)
    try:
        cluster = site.add_cluster(["192.0.2.21", "192.0.2.22"])
        result = client(site, "describe-cluster", "--device-ip-addresses", *cluster.ips,
                        *with_credentials(site, cluster.job_ids[0], "192.0.2.21"))
        assert result.returncode == 1 and error_code(result) == "IncorrectDeviceStateException"
        assert "describe-device" in result.stderr
        answer(site, cluster.job_ids[0], "unlock-cluster", "--device-ip-addresses", *cluster.ips, ip="192.0.2.21")
        described = json.loads(answer(site, cluster.job_ids[0], "describe-cluster", "--device-ip-addresses",
                                      *cluster.ips, ip="192.0.2.21"))
        assert {node["UnlockStatus"]["State"] for node in described["Devices"]} == {"UNLOCKED"}
    finally:
        site.close()


def test_describe_cluster_before_the_unlock_answers_under_the_lenient_reading(tmp_path):
    from ansible_collections.fieldops.snowball.tests.standins.harness import Site  # pylint: disable=import-outside-toplevel

    site = Site(tmp_path, strict_describe_cluster=False)
    try:
        lenient_then_strict(site)
    finally:
        site.close()


def test_the_stricter_reading_is_the_default(site):
    cluster = site.add_cluster(["192.0.2.21", "192.0.2.22"])
    assert error_code(client(site, "describe-cluster", "--device-ip-addresses", *cluster.ips,
                             *with_credentials(site, cluster.job_ids[0], "192.0.2.21"))) == "IncorrectDeviceStateException"


def lenient_then_strict(site):
    cluster = site.add_cluster(["192.0.2.21", "192.0.2.22"])
    described = json.loads(answer(site, cluster.job_ids[0], "describe-cluster", "--device-ip-addresses",
                                  *cluster.ips, ip="192.0.2.21"))
    assert {node["UnlockStatus"]["State"] for node in described["Devices"]} == {"LOCKED"}
    site.set_strict_describe_cluster()
    assert error_code(client(site, "describe-cluster", "--device-ip-addresses", *cluster.ips,
                             *with_credentials(site, cluster.job_ids[0], "192.0.2.21"))) == "IncorrectDeviceStateException"


# --- a client that hangs


def test_a_hanging_client_and_its_child_outlive_any_timeout(site):
    job_id = site.add_device()
    site.hang_client(["describe-device"])
    assert client(site, "version").returncode == 0  # other commands still answer
    process = subprocess.Popen([site.client, "describe-device"] + with_credentials(site, job_id), env=site.env(),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            process.communicate(timeout=3)
        hangs = site.client_hangs()
        assert [hang["command"] for hang in hangs] == ["describe-device"]
        assert hangs[0]["pid"] == process.pid
        os.kill(hangs[0]["child_pid"], 0)  # the child is alive, holding the pipes
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the session this test started: the client and its child
        process.communicate()
    assert not any(call["command"] == "describe-device" for call in site.client_invocations())
    site.hang_client(seconds=0)
    started = time.monotonic()
    assert client(site, "describe-device", *with_credentials(site, job_id)).returncode == 0
    assert time.monotonic() - started < 30
