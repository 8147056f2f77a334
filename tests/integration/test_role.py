# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The snowball_unlock role end to end: real ansible-playbook, real botocore,
the API stand-in and the simulated snowballEdge."""

from __future__ import annotations

import json
import os
import stat

import pytest

from ansible_collections.fieldops.snowball.tests.standins.harness import ENTRY_PLAY, ROLE_PLAY, device_vars
from ansible_collections.fieldops.snowball.tests.standins.snowball_api import SESSION_TOKEN
from ansible_collections.fieldops.snowball.tests.standins.snowball_api import TEMPORARY_ACCESS_KEY
from ansible_collections.fieldops.snowball.tests.standins.snowball_api import TEMPORARY_SECRET_KEY
from ansible_collections.fieldops.snowball.tests.standins.snowball_edge_sim import write_devices


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_single_device_first_run_and_rerun(site):
    job_id = site.add_device(unlock_delay=0.5)
    hosts = {"bench": device_vars(site, job_id)}
    first = site.playbook(ROLE_PLAY, hosts=hosts)
    assert first.returncode == 0, first.stdout + first.stderr
    assert site.device_states() == {"192.0.2.10": "UNLOCKED"}
    assert "device https://192.0.2.10 is UNLOCKED" in first.stdout
    assert site.world.count() == 3 and len(site.world.manifest_downloads) == 1
    assert len(site.client_invocations("unlock-device")) == 1

    config = site.config_path()
    assert mode(config) == 0o600 and mode(os.path.dirname(config)) == 0o700
    profile = json.load(open(config, encoding="utf-8"))["profiles"]["fieldops-" + job_id]
    assert profile["unlockCode"] == site.world.jobs[job_id]["unlock_code"]
    assert profile["defaultEndpoint"] == "https://192.0.2.10" and profile["jobId"] == job_id
    assert mode(profile["manifestPath"]) == 0o600 and mode(os.path.dirname(profile["manifestPath"])) == 0o700

    site.world.reset_calls()
    again = site.playbook(ROLE_PLAY, hosts=hosts)
    assert again.returncode == 0 and "changed=0" in again.stdout, again.stdout
    assert "it was unlocked already" in again.stdout
    assert site.world.count() == 0 and site.world.manifest_downloads == []
    assert len(site.client_invocations("unlock-device")) == 1


def test_behind_a_tls_inspecting_proxy_aws_ca_bundle_is_enough(tls_site):
    """AWS answers with the proxy's certificate; the engineer sets AWS_CA_BUNDLE once, for calls and download."""
    job_id = tls_site.add_device()
    hosts = {"bench": device_vars(tls_site, job_id)}
    untrusted = tls_site.playbook(ROLE_PLAY, hosts=hosts)
    assert untrusted.returncode != 0 and "AWS_CA_BUNDLE" in untrusted.stdout, untrusted.stdout
    trusted = tls_site.playbook(ROLE_PLAY, hosts=hosts, env={"AWS_CA_BUNDLE": tls_site.ca_bundle})
    assert trusted.returncode == 0, trusted.stdout + trusted.stderr
    assert tls_site.device_states() == {"192.0.2.10": "UNLOCKED"} and tls_site.world.manifest_downloads == [job_id]


def test_cluster(site):
    ips = ["192.0.2.21", "192.0.2.22", "192.0.2.23"]
    cluster_id = "CID123e4567-e89b-12d3-a456-426655440000"
    leader = site.add_device(ip=ips[0], cluster_id=cluster_id)
    code = site.world.jobs[leader]["unlock_code"]
    manifest = site.world.jobs[leader]["manifest"]
    # the cluster's devices answer to the leader job's manifest and code
    for ip in ips[1:]:
        site.devices.append(dict(site.devices[0], ip=ip, device_id="device-" + ip))
    write_devices(site.sim_state, site.devices)
    assert site.devices[1]["unlock_code"] == code and manifest

    result = site.playbook(ROLE_PLAY, hosts={"rack": device_vars(site, leader, ip=ips[0], snowball_unlock_cluster_ips=ips)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert set(site.device_states().values()) == {"UNLOCKED"}
    assert len(site.client_invocations("unlock-cluster")) == 1


def test_keep_profile_false_never_writes_the_code_to_the_client_config(site):
    job_id = site.add_device()
    result = site.playbook(ROLE_PLAY, hosts={"bench": device_vars(site, job_id, snowball_unlock_keep_profile=False)})
    assert result.returncode == 0, result.stdout
    assert not os.path.exists(site.config_path())  # a transient client home was used, and removed
    assert site.device_states() == {"192.0.2.10": "UNLOCKED"}


def failed_run(site, job_id, **extra):
    result = site.playbook(ROLE_PLAY, hosts={"bench": device_vars(site, job_id, **extra)})
    assert result.returncode != 0
    return result.stdout + result.stderr


def test_undelivered_job_is_explained(site):
    job_id = site.add_device(state="InTransitToCustomer")
    output = failed_run(site, job_id)
    assert "has not been delivered yet" in output and "InTransitToCustomer" in output
    # `version` only: the pre-flight's client check, which contacts no device
    assert site.world.count("GetJobUnlockCode") == 0 and site.client_invocations() == site.client_invocations("version")


def test_expired_job_is_explained(site):
    output = failed_run(site, site.add_device(age_days=361))
    assert "expired 360 days after creation" in output and "contact AWS Support" in output


def test_wrong_code_is_explained(site):
    job_id = site.add_device()
    site.devices[0]["unlock_code"] = "zzzzz-zzzzz-zzzzz-zzzzz-zzzzz"
    write_devices(site.sim_state, site.devices)
    output = failed_run(site, job_id)
    # IncorrectDeviceManifestException: the code does not open the manifest for that device (device-facts.md 5)
    assert "refused the manifest or the unlock code" in output
    assert site.device_states() == {"192.0.2.10": "LOCKED"}


def test_missing_client_says_where_to_get_it(site):
    output = failed_run(site, site.add_device(), snowball_unlock_client="/opt/nowhere/snowballEdge")
    assert "was not found or is not executable" in output and "aws.amazon.com/snowball/resources" in output


def test_unreachable_device(site):
    output = failed_run(site, site.add_device(reachable=False))
    assert "does not answer on port 9091" in output and "about 10 minutes" in output


def test_unlock_timeout(site):
    output = failed_run(site, site.add_device(unlock_delay=60), snowball_unlock_timeout=1)
    assert "Timed out after 1s" in output and "UNLOCKING" in output


def test_check_mode_touches_nothing(site):
    job_id = site.add_device()
    result = site.playbook(ROLE_PLAY, hosts={"bench": device_vars(site, job_id)}, args=["--check"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "check mode: it would be unlocked" in result.stdout
    assert site.device_states() == {"192.0.2.10": "LOCKED"}
    assert not os.path.exists(site.config_path())
    assert site.world.manifest_downloads == [] and site.client_invocations("unlock-device") == []


def test_bad_endpoint_is_refused_before_any_call(site):
    output = failed_run(site, site.add_device(), snowball_unlock_endpoint="192.0.2.10;reboot")
    assert "not a device address" in output
    assert site.world.calls == [] and site.client_invocations() == []


def test_world_writable_manifest_dir_is_refused(site):
    shared = os.path.join(site.root, "shared")
    os.mkdir(shared)
    os.chmod(shared, 0o777)
    output = failed_run(site, site.add_device(), snowball_unlock_manifest_dir=shared)
    assert "is world-writable" in output and site.world.calls == []


def test_prefetch_then_unlock_offline(site):
    job_id = site.add_device()
    vault_file = os.path.join(site.root, "vault-pass")
    with open(vault_file, "w", encoding="utf-8") as handle:
        handle.write("correct horse battery staple\n")
    hosts = {"bench": device_vars(site, job_id)}
    prefetch = site.playbook(ENTRY_PLAY % "prefetch", hosts=hosts, args=["--vault-password-file", vault_file])
    assert prefetch.returncode == 0, prefetch.stdout + prefetch.stderr
    code_file = os.path.join(site.home, ".snowball", "codes", job_id + ".vault")
    with open(code_file, encoding="utf-8") as handle:
        assert handle.read().startswith("$ANSIBLE_VAULT;1.1;AES256")
    assert mode(code_file) == 0o600
    assert site.world.jobs[job_id]["unlock_code"] not in open(code_file, encoding="utf-8").read()

    again = site.playbook(ENTRY_PLAY % "prefetch", hosts=hosts, args=["--vault-password-file", vault_file])
    assert again.returncode == 0 and "changed=0" in again.stdout, again.stdout

    site.stop()  # on site there is no AWS
    site.world.reset_calls()
    unlock = site.playbook(ENTRY_PLAY % "unlock", hosts=hosts, args=["--vault-password-file", vault_file])
    assert unlock.returncode == 0, unlock.stdout + unlock.stderr
    assert site.device_states() == {"192.0.2.10": "UNLOCKED"} and site.world.calls == []


def test_unlock_offline_without_prefetch_says_what_to_do(site):
    job_id = site.add_device()
    result = site.playbook(ENTRY_PLAY % "unlock", hosts={"bench": device_vars(site, job_id)})
    assert result.returncode != 0 and "run the role's prefetch entry point" in result.stdout


def test_ten_devices_in_one_run(site):
    hosts = {}
    for number in range(10):
        ip = "192.0.2.%d" % (100 + number)
        hosts["device%02d" % number] = device_vars(site, site.add_device(ip=ip, unlock_delay=0.5), ip=ip)
    result = site.playbook(ROLE_PLAY, hosts=hosts, args=["--forks", "10"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert set(site.device_states().values()) == {"UNLOCKED"} and len(site.device_states()) == 10
    profiles = json.load(open(site.config_path(), encoding="utf-8"))["profiles"]
    assert len(profiles) == 10  # parallel writers did not lose each other's profiles
    assert site.world.count() == 30
    # the pre-flight asks the client its version once for the run, not once per device (a JVM start each)
    assert len(site.client_invocations("version")) == 1


def test_a_kept_profile_whose_manifest_is_gone_is_set_up_again(site):
    """The device was power-cycled (LOCKED again) and the manifest deleted from the laptop: the role must not
    blame the device, but download the manifest again, rewrite the profile and unlock."""
    job_id = site.add_device()
    hosts = {"bench": device_vars(site, job_id)}
    assert site.playbook(ROLE_PLAY, hosts=hosts).returncode == 0
    manifest_dir = os.path.join(site.home, ".snowball", "manifests")
    for name in os.listdir(manifest_dir):
        os.remove(os.path.join(manifest_dir, name))
    site.set_device("192.0.2.10", state="LOCKED")
    again = site.playbook(ROLE_PLAY, hosts=hosts)
    assert again.returncode == 0, again.stdout[-3000:]
    assert "is not on this laptop: the device was not asked" in again.stdout + again.stderr
    assert site.device_states() == {"192.0.2.10": "UNLOCKED"} and os.listdir(manifest_dir)


@pytest.mark.parametrize("token_variable", ["AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN"])
def test_temporary_aws_credentials_are_sent_with_their_token(site, token_variable):
    # AWX's Amazon Web Services credential exports a temporary key's token as AWS_SECURITY_TOKEN only
    job_id = site.add_device()
    env = {"AWS_ACCESS_KEY_ID": TEMPORARY_ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": TEMPORARY_SECRET_KEY,
           token_variable: SESSION_TOKEN}
    result = site.playbook(ROLE_PLAY, hosts={"bench": device_vars(site, job_id)}, env=env)
    assert result.returncode == 0, result.stdout[-3000:]
    assert site.device_states() == {"192.0.2.10": "UNLOCKED"}
    assert SESSION_TOKEN not in result.stdout + result.stderr
