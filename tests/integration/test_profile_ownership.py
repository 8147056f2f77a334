# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The role changes only what it wrote: a client profile or an AWS profile of the chosen name that belongs to
another device, job or account stays as it was, a killed run's transient home (with its code) goes with the next
run of any kind, and a user.home set in _JAVA_OPTIONS is the home the role writes to and points the client at."""

from __future__ import annotations

import json
import os
import subprocess

from ansible_collections.fieldops.snowball.tests.standins.harness import ROLE_PLAY, device_vars

TRANSIENT_PREFIX = "fieldops-snowball-"


def write_client_config(site, profiles):
    os.makedirs(os.path.dirname(site.config_path()), mode=0o700, exist_ok=True)
    with open(site.config_path(), "w", encoding="utf-8") as handle:
        json.dump({"version": 1, "profiles": profiles}, handle)
    os.chmod(site.config_path(), 0o600)


def test_forgetting_the_profile_keeps_another_devices_profile_of_that_name(site):
    mine, other = site.add_device(ip="192.0.2.10"), site.add_device(ip="192.0.2.20")
    # The user's working profile for the other device, as `snowballEdge configure` or OpsHub writes it.
    bench = {"name": "bench", "jobId": other, "unlockCode": site.world.jobs[other]["unlock_code"],
             "manifestPath": site.manifest_file(other), "defaultEndpoint": "https://192.0.2.20", "isCluster": False,
             "deviceIps": []}
    write_client_config(site, {"bench": bench})
    run = site.playbook(ROLE_PLAY, hosts={"devA": device_vars(site, mine, snowball_unlock_profile="bench",
                                                              snowball_unlock_keep_profile=False)})
    assert run.returncode == 0, run.stdout[-3000:]
    assert site.device_states()["192.0.2.10"] == "UNLOCKED"
    with open(site.config_path(), encoding="utf-8") as handle:
        assert json.load(handle)["profiles"] == {"bench": bench}
    output = " ".join((run.stdout + run.stderr).split())
    assert "Profile bench in %s was kept: it was saved for job %s instead of %s" % (site.config_path(), other, mine) \
        in output


def test_an_aws_profile_of_the_users_own_account_stops_the_run_and_is_kept(site):
    job = site.add_device(ip="192.0.2.10")
    aws = os.path.join(site.home, ".aws")
    os.makedirs(aws, mode=0o700)
    files = {
        "credentials": "[work]\naws_access_key_id = AKIAWORKUSER00000001\naws_secret_access_key = iam-only-once\n",
        "config": "[profile work]\nregion = eu-west-1\nrole_arn = arn:aws:iam::123456789012:role/x\n"
                  "source_profile = default\n",
    }
    for name, text in files.items():
        with open(os.path.join(aws, name), "w", encoding="utf-8") as handle:
            handle.write(text)
    run = site.playbook(ROLE_PLAY, hosts={"dev": device_vars(site, job, snowball_unlock_device_aws_profile="work")})
    assert run.returncode != 0, run.stdout[-3000:]
    assert "The AWS profile work already exists and is not one this collection wrote" in " ".join(run.stdout.split())
    for name, text in files.items():
        with open(os.path.join(aws, name), encoding="utf-8") as handle:
            assert handle.read() == text


def test_a_killed_runs_transient_home_goes_with_the_next_run_that_keeps_its_profile(site):
    job = site.add_device(ip="192.0.2.10")
    finished = subprocess.run(["sh", "-c", "echo $$"], capture_output=True, text=True, check=True)
    stale = os.path.join(site.tmp, "%s%s-k1ll3d" % (TRANSIENT_PREFIX, finished.stdout.strip()))
    config = os.path.join(stale, ".aws", "snowball", "config", "snowball-edge.config")
    os.makedirs(os.path.dirname(config), mode=0o700)
    with open(config, "w", encoding="utf-8") as handle:
        json.dump({"version": 1, "profiles": {"t": {"unlockCode": site.world.jobs[job]["unlock_code"]}}}, handle)
    run = site.playbook(ROLE_PLAY, hosts={"dev": device_vars(site, job)})  # keeps its profile: no transient one
    assert run.returncode == 0, run.stdout[-3000:]
    assert not os.path.exists(stale)


def test_a_user_home_in_java_options_is_where_the_profile_goes(site):
    other_home = os.path.join(site.root, "otherhome")
    os.makedirs(other_home, mode=0o700)
    first, second = site.add_device(ip="192.0.2.10"), site.add_device(ip="192.0.2.20")
    env = {"_JAVA_OPTIONS": "-Duser.home=" + other_home}
    kept = site.playbook(ROLE_PLAY, hosts={"dev": device_vars(site, first)}, env=env)
    assert kept.returncode == 0, kept.stdout[-3000:]
    with open(os.path.join(other_home, ".aws", "snowball", "config", "snowball-edge.config"), encoding="utf-8") as f:
        assert "fieldops-" + first in json.load(f)["profiles"]
    assert not os.path.exists(site.config_path())
    transient = site.playbook(ROLE_PLAY, hosts={"dev": device_vars(site, second, ip="192.0.2.20",
                                                                   snowball_unlock_keep_profile=False)}, env=env)
    assert transient.returncode == 0, transient.stdout[-3000:]
    assert site.device_states()["192.0.2.20"] == "UNLOCKED"
