# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""snowball_edge_credentials and the role's snowball_unlock_device_aws_profile in real ansible-playbook
runs: the device's own key and certificate become an AWS CLI/SDK profile that real boto3
resolves by itself, written only on change, never with the secret key in any output."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
import textwrap

import pytest

from ansible_collections.fieldops.snowball.tests.integration.test_modules import test_docs_render_and_examples_parse as docs_check
from ansible_collections.fieldops.snowball.tests.standins.harness import ROLE_PLAY, device_vars, module_play, result_of

JSON = {"ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json"}
IP = "192.0.2.10"
# What the user had before: another profile, the default one, comments. Kept byte for byte.
OLD_CONFIG = "# the laptop's own settings\n[default]\nregion = eu-west-1\n\n[profile other]\noutput = json\n"
OLD_CREDENTIALS = ("[default]\naws_access_key_id = AKIDEFAULTEXAMPLE000\naws_secret_access_key = laptop-own-secret\n"
                   "# rotated every month\n")

TASK = """
    - name: Device profile
      fieldops.snowball.snowball_edge_credentials:
%s
      register: device_profile
"""


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def aws_path(site, name):
    return os.path.join(site.home, ".aws", name)


def ca_bundle_path(site, profile):
    return os.path.join(os.path.dirname(site.config_path()), profile + "-ca-bundle.pem")


def seed_aws_files(site):
    os.makedirs(os.path.join(site.home, ".aws"), mode=0o700, exist_ok=True)
    for name, text in (("config", OLD_CONFIG), ("credentials", OLD_CREDENTIALS)):
        with open(aws_path(site, name), "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(aws_path(site, name), 0o600)


def transient_options(site, job_id, ip=IP, **extra):
    """The module's options with the device's credentials inline (a transient client profile)."""
    options = {"endpoint": ip, "manifest_path": site.manifest_file(job_id),
               "unlock_code": site.world.jobs[job_id]["unlock_code"], "aws_profile": "bench"}
    options.update(extra)
    return options


def run_task(site, options, args=()):
    lines = "\n".join("        %s: %s" % (key, json.dumps(value)) for key, value in options.items())
    return site.playbook(module_play(site, TASK % lines), args=list(args), env=JSON)


def task_result(process):
    return result_of(process, "Device profile")["localhost"]


def secrets_of(site):
    return site.secret_access_keys()


def assert_no_secret(site, process):
    for secret in secrets_of(site):
        assert secret not in process.stdout and secret not in process.stderr


# Real boto3, in a process that has nothing but HOME and PATH: no AWS_* variable (the harness sets
# region and keys for the API stand-in), so everything it resolves comes from the written files.
BOTO3_PROBE = textwrap.dedent("""
    import hashlib, json, sys
    import boto3

    class Sent(Exception):
        pass

    out = {}
    for name in sys.argv[1:]:
        session = boto3.Session(profile_name=name)
        s3, ec2 = session.client("s3"), session.client("ec2")
        credentials = session.get_credentials()
        seen = {}

        def capture(request, **_kwargs):
            seen["url"], seen["authorization"] = request.url, request.headers.get("Authorization", b"")
            raise Sent()

        s3.meta.events.register("before-send.s3.ListBuckets", capture)
        try:
            s3.list_buckets()
        except Sent:
            pass
        authorization = seen["authorization"]
        out[name] = {
            "region": s3.meta.region_name, "s3": s3.meta.endpoint_url, "ec2": ec2.meta.endpoint_url,
            "verify": s3._endpoint.http_session._verify, "ec2_verify": ec2._endpoint.http_session._verify,
            "access_key": credentials.access_key,
            "secret_sha256": hashlib.sha256(credentials.secret_key.encode()).hexdigest(),
            "url": seen["url"],
            "authorization": authorization.decode() if isinstance(authorization, bytes) else authorization,
        }
    print(json.dumps(out))
""")


def boto3_resolves(site, *profiles):
    env = {"HOME": site.home, "PATH": os.environ.get("PATH", "")}
    assert not [key for key in env if key.startswith("AWS_")]
    process = subprocess.run([sys.executable, "-c", BOTO3_PROBE, *profiles], env=env, cwd=site.root,
                             capture_output=True, text=True, check=False)
    assert process.returncode == 0, process.stderr
    return json.loads(process.stdout)


def same_certificate(bundle, pem):
    return "".join(read(bundle).split()) == "".join(pem.split())


def assert_resolves_device(site, resolved, ip, bundle):
    keys = site.access_keys(ip)
    assert resolved["region"] == "snow"
    assert resolved["s3"] == "https://%s:8443" % ip and resolved["ec2"] == "https://%s:8243" % ip
    assert resolved["verify"] == bundle and resolved["ec2_verify"] == bundle
    assert resolved["access_key"] in keys
    assert resolved["secret_sha256"] == hashlib.sha256(keys[resolved["access_key"]].encode()).hexdigest()
    # the request boto3 would send: path-style to the device, signed for region snow with the device's key
    assert resolved["url"] == "https://%s:8443/" % ip
    assert "Credential=%s/" % resolved["access_key"] in resolved["authorization"]
    assert "/snow/s3/aws4_request" in resolved["authorization"]


# --- the module


def test_module_writes_the_profile_keeps_everything_else_and_boto3_resolves_it(site):
    job_id = site.add_device(device_state="UNLOCKED")
    seed_aws_files(site)
    first = run_task(site, transient_options(site, job_id))
    assert first.returncode == 0, first.stdout + first.stderr
    result = task_result(first)
    (key_id, secret), = site.access_keys(IP).items()
    bundle = ca_bundle_path(site, "bench")
    assert result["changed"] is True and result["access_key_id"] == key_id and result["aws_profile"] == "bench"
    assert result["credentials_file"] == aws_path(site, "credentials") and result["config_file"] == aws_path(site, "config")
    assert result["ca_bundle"] == bundle and result["endpoints"] == {"s3": "https://%s:8443" % IP, "ec2": "https://%s:8243" % IP}
    assert result["profiles"][0]["aws_profile"] == "bench"
    assert_no_secret(site, first)

    credentials, config = read(aws_path(site, "credentials")), read(aws_path(site, "config"))
    # every byte the user had is still there, the new sections after it
    assert credentials.startswith(OLD_CREDENTIALS) and config.startswith(OLD_CONFIG)
    assert "[bench]\naws_access_key_id = %s\naws_secret_access_key = %s\n" % (key_id, secret) in credentials
    assert "[profile bench]" in config and secret not in config
    for path in (aws_path(site, "credentials"), aws_path(site, "config"), bundle):
        assert mode(path) == 0o600
    assert same_certificate(bundle, site.device_certificate(IP))
    # the secret is only in the credentials file: not in the CA bundle, the client's files or any temp file
    for directory in (site.home, site.tmp):
        for root, _dirs, names in os.walk(directory):
            for name in names:
                path = os.path.join(root, name)
                if path != aws_path(site, "credentials"):
                    with open(path, "rb") as handle:
                        assert secret.encode() not in handle.read(), path

    assert_resolves_device(site, boto3_resolves(site, "bench")["bench"], IP, bundle)
    # the other profiles still resolve as they did
    assert "[profile other]\noutput = json\n" in config and "region = eu-west-1" in config

    again = run_task(site, transient_options(site, job_id))
    assert again.returncode == 0 and task_result(again)["changed"] is False, again.stdout
    assert read(aws_path(site, "credentials")) == credentials and read(aws_path(site, "config")) == config


def test_a_new_key_changes_the_profile_and_the_diff_masks_both_secrets(site):
    job_id = site.add_device(device_state="UNLOCKED")
    assert run_task(site, transient_options(site, job_id)).returncode == 0
    (old_key, old_secret), = site.access_keys(IP).items()
    new_key, new_secret = "AKIA" + "N" * 16, "rotated/" + os.urandom(12).hex()
    site.set_device(IP, access_keys={new_key: new_secret})

    rotated = run_task(site, transient_options(site, job_id), args=["--diff"])
    assert rotated.returncode == 0, rotated.stdout
    result = task_result(rotated)
    assert result["changed"] is True and result["access_key_id"] == new_key
    diff = json.dumps(result["diff"])
    assert "aws_secret_access_key = ******** (changed)" in diff and new_key in diff
    for secret in (old_secret, new_secret):
        assert secret not in rotated.stdout and secret not in rotated.stderr
    assert "aws_secret_access_key = %s\n" % new_secret in read(aws_path(site, "credentials"))
    assert old_key not in read(aws_path(site, "credentials"))


def test_check_mode_writes_nothing_and_its_diff_masks_the_secret(site):
    job_id = site.add_device(device_state="UNLOCKED")
    checked = run_task(site, transient_options(site, job_id), args=["--check", "--diff"])
    assert checked.returncode == 0, checked.stdout
    result = task_result(checked)
    assert result["changed"] is True
    diff = json.dumps(result["diff"])
    assert "aws_secret_access_key = ********" in diff and "[profile bench]" in diff
    assert_no_secret(site, checked)
    # nothing written, not even a directory; the client's read-only commands did run
    assert not os.path.exists(os.path.join(site.home, ".aws"))
    assert len(site.client_invocations("get-secret-access-key")) == 1


def test_with_a_saved_client_profile_it_asks_the_device_named_there(site):
    job_id = site.add_device(device_state="UNLOCKED")
    tasks = """
    - name: Client profile
      fieldops.snowball.snowball_edge_profile:
        name: bench-device
        unlock_code: %s
        manifest_path: %s
        endpoint: %s
""" % (site.world.jobs[job_id]["unlock_code"], site.manifest_file(job_id), IP) + TASK % (
        "        profile: bench-device\n        aws_profile: bench")
    process = site.playbook(module_play(site, tasks), env=JSON)
    assert process.returncode == 0, process.stdout
    assert task_result(process)["device_ip"] == IP  # from describe-device: the profile names no IP
    assert_resolves_device(site, boto3_resolves(site, "bench")["bench"], IP, ca_bundle_path(site, "bench"))


BAD_INPUT = {
    # case: (device options, module options, expected message, client runs allowed)
    "unknown access key id": ({}, {"access_key_id": "AKIAIOSFODNN7EXAMPLE"}, "has no access key AKIAIOSFODNN7EXAMPLE",
                              {"describe-device", "list-access-keys"}),
    "device not unlocked yet": ({"device_state": "LOCKED"}, {}, "is LOCKED, not UNLOCKED", {"describe-device"}),
    "profile name with brackets": ({}, {"aws_profile": "bench]\n[default"}, "is not usable", set()),
    "profile name with a newline": ({}, {"aws_profile": "bench\nregion = us-east-1"}, "is not usable", set()),
    "several keys, none chosen": ({"access_keys": 2}, {}, "has 2 access keys", {"describe-device", "list-access-keys"}),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_is_refused_before_anything_is_written(site, case):
    device, options, expected, allowed = BAD_INPUT[case]
    job_id = site.add_device(**dict({"device_state": "UNLOCKED"}, **device))
    seed_aws_files(site)
    process = run_task(site, transient_options(site, job_id, **options))
    result = task_result(process)
    assert process.returncode != 0 and result.get("failed") and expected in result["msg"], process.stdout
    if case == "several keys, none chosen":  # the ids are listed (not secret), so the user can choose
        assert sorted(result["access_key_ids"]) == sorted(site.access_keys(IP))
        assert all(key in result["msg"] for key in site.access_keys(IP))
    assert read(aws_path(site, "credentials")) == OLD_CREDENTIALS and read(aws_path(site, "config")) == OLD_CONFIG
    assert not os.path.exists(ca_bundle_path(site, "bench"))
    assert {call["command"] for call in site.client_invocations()} <= allowed
    assert_no_secret(site, process)


def cluster_client_profile(site, cluster):
    return """
    - name: Client profile of the cluster
      fieldops.snowball.snowball_edge_profile:
        name: rack-cluster
        unlock_code: %s
        manifest_path: %s
        endpoint: %s
        cluster_ips: %s
""" % (site.world.jobs[cluster.job_ids[0]]["unlock_code"], site.manifest_file(cluster.job_ids[0]), cluster.ips[0],
       json.dumps(cluster.ips))


def test_cluster_one_profile_per_node_each_with_its_own_key_and_certificate(site):
    cluster = site.add_cluster(["192.0.2.21", "192.0.2.22", "192.0.2.23"], device_state="UNLOCKED")
    tasks = cluster_client_profile(site, cluster) + TASK % (
        "        profile: rack-cluster\n        cluster_ips: %s\n        aws_profile: rack" % json.dumps(cluster.ips))
    first = site.playbook(module_play(site, tasks), env=JSON)
    assert first.returncode == 0, first.stdout
    result = task_result(first)
    names = ["rack-" + ip for ip in cluster.ips]
    assert result["changed"] is True and [entry["aws_profile"] for entry in result["profiles"]] == names
    assert "aws_profile" not in result  # one device's keys only without cluster_ips
    assert_no_secret(site, first)
    # each node asked at its own address, once per command (the check before writing replays the answers)
    assert sorted(call["endpoint"] for call in site.client_invocations("get-secret-access-key")) == \
        ["https://" + ip for ip in cluster.ips]
    resolved = boto3_resolves(site, *names)
    for name, ip in zip(names, cluster.ips):
        assert_resolves_device(site, resolved[name], ip, ca_bundle_path(site, name))
        assert same_certificate(ca_bundle_path(site, name), site.device_certificate(ip))

    again = site.playbook(module_play(site, tasks), env=JSON)
    assert again.returncode == 0 and task_result(again)["changed"] is False, again.stdout


def test_cluster_with_a_locked_node_writes_no_profile_at_all(site):
    cluster = site.add_cluster(["192.0.2.21", "192.0.2.22", "192.0.2.23"], device_state="UNLOCKED")
    site.set_device(cluster.ips[2], state="LOCKED")
    seed_aws_files(site)
    tasks = cluster_client_profile(site, cluster) + TASK % (
        "        profile: rack-cluster\n        cluster_ips: %s\n        aws_profile: rack" % json.dumps(cluster.ips))
    process = site.playbook(module_play(site, tasks), env=JSON)
    result = task_result(process)
    assert process.returncode != 0 and "Cluster node %s (profile rack-%s)" % (cluster.ips[2], cluster.ips[2]) in result["msg"]
    assert "is LOCKED, not UNLOCKED" in result["msg"]
    # the first two nodes were fine, and still nothing was written for them
    assert read(aws_path(site, "credentials")) == OLD_CREDENTIALS and read(aws_path(site, "config")) == OLD_CONFIG
    assert [name for name in os.listdir(os.path.dirname(site.config_path())) if name.endswith(".pem")] == []


def test_docs_render_and_examples_parse(site):
    docs_check(site, "snowball_edge_credentials")


# --- the role option


def test_role_writes_the_device_profile_after_the_unlock_and_a_rerun_changes_nothing(site):
    job_id = site.add_device(unlock_delay=0.3)
    hosts = {"bench": device_vars(site, job_id, snowball_unlock_device_aws_profile="snowball-bench")}
    first = site.playbook(ROLE_PLAY, hosts=hosts)
    assert first.returncode == 0, first.stdout + first.stderr
    assert site.device_states() == {IP: "UNLOCKED"}
    assert_no_secret(site, first)
    resolved = boto3_resolves(site, "snowball-bench")["snowball-bench"]
    assert_resolves_device(site, resolved, IP, ca_bundle_path(site, "snowball-bench"))

    again = site.playbook(ROLE_PLAY, hosts=hosts)
    assert again.returncode == 0 and "changed=0" in again.stdout, again.stdout
    assert site.world.count("GetJobUnlockCode") == 1  # the re-run asked the device, not AWS


def test_role_without_the_option_writes_no_aws_profile(site):
    job_id = site.add_device()
    process = site.playbook(ROLE_PLAY, hosts={"bench": device_vars(site, job_id)})
    assert process.returncode == 0, process.stdout
    assert site.client_invocations("list-access-keys") == []
    assert not os.path.exists(aws_path(site, "credentials")) and not os.path.exists(aws_path(site, "config"))


def test_role_cluster_one_profile_per_node(site):
    cluster = site.add_cluster(["192.0.2.31", "192.0.2.32"])
    hosts = {"rack": device_vars(site, cluster.job_ids[0], ip=cluster.ips[0], snowball_unlock_cluster_ips=cluster.ips,
                                 snowball_unlock_device_aws_profile="rack")}
    process = site.playbook(ROLE_PLAY, hosts=hosts)
    assert process.returncode == 0, process.stdout + process.stderr
    assert set(site.device_states().values()) == {"UNLOCKED"}
    names = ["rack-" + ip for ip in cluster.ips]
    resolved = boto3_resolves(site, *names)
    for name, ip in zip(names, cluster.ips):
        assert_resolves_device(site, resolved[name], ip, ca_bundle_path(site, name))
    assert_no_secret(site, process)


def test_role_without_a_kept_client_profile_uses_the_transient_one(site):
    job_id = site.add_device()
    hosts = {"bench": device_vars(site, job_id, snowball_unlock_keep_profile=False,
                                  snowball_unlock_device_aws_profile="snowball-bench")}
    process = site.playbook(ROLE_PLAY, hosts=hosts)
    assert process.returncode == 0, process.stdout + process.stderr
    assert not os.path.exists(site.config_path())  # no client profile kept, yet the AWS profile is there
    assert_resolves_device(site, boto3_resolves(site, "snowball-bench")["snowball-bench"], IP,
                           ca_bundle_path(site, "snowball-bench"))
