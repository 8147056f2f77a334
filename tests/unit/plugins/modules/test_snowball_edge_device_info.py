# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""snowball_edge_device_info: an info module, so it reads and never changes anything, here or on the device."""

from __future__ import annotations

import json
import os
import stat

import pytest

from ansible_collections.fieldops.snowball.plugins.module_utils._client_config import ProfileStore
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.plugins.modules import snowball_edge_device_info

JOB = "JID123e4567-e89b-12d3-a456-426655440000"


def described(args):
    assert args == ["describe-device"]
    return 0, json.dumps({"DeviceId": JOB, "UnlockStatus": {"State": "UNLOCKED"},
                          "ActiveNetworkInterface": {"IpAddress": "192.0.2.10"}}), ""


def info_params(**given):
    base = {"expected_endpoint": None, "expected_job_id": None}
    base.update(given)
    return base


def saved(task, tmp_path, file_mode):
    manifest = tmp_path / "manifest.bin"
    manifest.write_bytes(b"manifest")
    store = ProfileStore(task.params["config_path"])
    store.put("bench", {"defaultEndpoint": "https://192.0.2.10", "jobId": JOB, "manifestPath": str(manifest),
                        "unlockCode": "abcde-12345-ABCDE-fghij-67890"})
    os.chmod(store.path, file_mode)
    return store.path


def test_a_readable_config_is_left_as_it_is_and_nothing_is_changed(fake_task, tmp_path):
    task = fake_task(described, tmp_path, **info_params(expected_job_id=JOB))
    path = saved(task, tmp_path, 0o644)
    result = snowball_edge_device_info.run(task)
    assert result["changed"] is False and result["device_state"] == "UNLOCKED" and result["profile_found"] is True
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644 and task.warnings == []


def test_an_unknown_profile_is_reported_without_asking_the_device(fake_task, tmp_path):
    task = fake_task(described, tmp_path, **info_params())
    assert snowball_edge_device_info.run(task) == dict(changed=False, profile_found=False, device_state=None,
                                                       devices=[])
    assert task.argvs == []


def test_a_config_in_a_world_writable_directory_is_refused(fake_task, tmp_path):
    task = fake_task(described, tmp_path, **info_params())
    path = saved(task, tmp_path, 0o600)
    os.chmod(os.path.dirname(path), 0o777)
    with pytest.raises(SnowballError, match="world-writable"):
        snowball_edge_device_info.run(task)
    assert task.argvs == []


def test_a_profile_saved_for_another_endpoint_is_reported_as_such_without_asking_the_device(fake_task, tmp_path):
    task = fake_task(described, tmp_path, **info_params(expected_endpoint="192.0.2.11", expected_job_id=JOB))
    saved(task, tmp_path, 0o600)
    result = snowball_edge_device_info.run(task)
    assert result["profile_found"] is False and result["profile_saved_elsewhere"] is True
    assert task.argvs == [] and "https://192.0.2.10 instead of https://192.0.2.11" in task.warnings[0]
