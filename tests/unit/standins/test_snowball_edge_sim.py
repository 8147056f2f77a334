# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The simulated snowballEdge must behave like the client, or the on-site tests prove nothing."""

from __future__ import annotations

import json
import os
import subprocess


def client(site, *args, stdin=None):
    return subprocess.run([site.client] + list(args), env=site.env(), capture_output=True, text=True, input=stdin,
                          check=False)


def credentials(site, job_id, code=None):
    return ["--endpoint", "https://192.0.2.10", "--manifest-file", site.manifest_file(job_id),
            "--unlock-code", code or site.world.jobs[job_id]["unlock_code"]]


def test_version(site):
    result = client(site, "--version")
    assert result.returncode == 0 and result.stdout.startswith("Snowball Edge client version")


def test_unlock_goes_through_unlocking_to_unlocked(site):
    job_id = site.add_device(unlock_delay=3600)
    assert json.loads(client(site, "describe-device", *credentials(site, job_id)).stdout)["UnlockStatus"]["State"] == "LOCKED"
    assert client(site, "unlock-device", *credentials(site, job_id)).returncode == 0
    described = json.loads(client(site, "describe-device", *credentials(site, job_id)).stdout)
    assert described["UnlockStatus"]["State"] == "UNLOCKING" and described["DeviceId"] == job_id


def test_wrong_code_missing_manifest_and_unreachable_fail(site):
    job_id = site.add_device()
    wrong = client(site, "unlock-device", *credentials(site, job_id, code="zzzzz-zzzzz-zzzzz-zzzzz-zzzzz"))
    assert wrong.returncode == 1 and "unlock code is not valid" in wrong.stderr
    missing = client(site, "unlock-device", "--endpoint", "192.0.2.10", "--manifest-file", "/nonexistent",
                     "--unlock-code", site.world.jobs[job_id]["unlock_code"])
    assert missing.returncode == 1 and "Manifest file not found" in missing.stderr
    unreachable = client(site, "describe-device",
                         "--endpoint", "https://192.0.2.99", "--manifest-file", site.manifest_file(job_id),
                         "--unlock-code", site.world.jobs[job_id]["unlock_code"])
    assert unreachable.returncode == 1 and "Unable to connect" in unreachable.stderr
    assert site.device_states() == {"192.0.2.10": "LOCKED"}


def test_configure_writes_the_profile_the_client_then_uses(site):
    job_id = site.add_device()
    answers = "%s\n%s\nhttps://192.0.2.10\n" % (site.manifest_file(job_id), site.world.jobs[job_id]["unlock_code"])
    assert client(site, "configure", "--profile", "bench", stdin=answers).returncode == 0
    assert os.stat(site.config_path()).st_mode & 0o777 == 0o600
    assert client(site, "unlock-device", "--profile", "bench").returncode == 0
    assert [call["command"] for call in site.client_invocations()] == ["unlock-device"]
