# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""snowball_edge_profile: writing a profile, and keeping an existing one private without credentials (a re-run
against a device that is unlocked already)."""

from __future__ import annotations

import json
import os
import stat

import pytest

from ansible_collections.fieldops.snowball.plugins.module_utils._client_config import ProfileStore
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.plugins.modules import snowball_edge_profile

CODE = "abcde-12345-ABCDE-fghij-67890"
JOB = "JID123e4567-e89b-12d3-a456-426655440000"


class Task:
    def __init__(self, check_mode=False, diff=False, **params):
        self.params = dict({"state": "present", "job_id": None, "unlock_code": None, "manifest_path": None,
                            "endpoint": None, "cluster_ips": None}, **params)
        self.check_mode, self.diff, self.warnings = check_mode, diff, []

    def warn(self, msg):
        self.warnings.append(msg)


@pytest.fixture
def config(tmp_path):
    return str(tmp_path / ".aws" / "snowball" / "config" / "snowball-edge.config")


@pytest.fixture
def manifest(tmp_path):
    path = tmp_path / "manifest.bin"
    path.write_bytes(b"manifest")
    return str(path)


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_writes_a_profile_and_masks_the_code_in_the_diff(config, manifest):
    result = snowball_edge_profile.run(Task(diff=True, name="bench", config_path=config, job_id=JOB,
                                            unlock_code=CODE, manifest_path=manifest, endpoint="192.0.2.10"))
    assert result["changed"] is True and result["endpoint"] == "https://192.0.2.10"
    assert CODE not in json.dumps(result) and "********" in result["diff"]["after"]
    assert ProfileStore(config).get("bench")["unlockCode"] == CODE and mode(config) == 0o600


def test_name_alone_keeps_the_profile_and_makes_its_file_private(config, manifest):
    snowball_edge_profile.run(Task(name="bench", config_path=config, unlock_code=CODE, manifest_path=manifest,
                                   endpoint="192.0.2.10"))
    with open(config, "rb") as handle:
        before = handle.read()
    os.chmod(config, 0o644)
    assert snowball_edge_profile.run(Task(check_mode=True, name="bench", config_path=config))["changed"] is True
    assert mode(config) == 0o644
    task = Task(name="bench", config_path=config)
    result = snowball_edge_profile.run(task)
    assert result == {"changed": True, "config_path": config, "profile": "bench"}
    assert mode(config) == 0o600 and "its mode is now 0600" in task.warnings[0]
    with open(config, "rb") as handle:
        assert handle.read() == before
    assert snowball_edge_profile.run(Task(name="bench", config_path=config))["changed"] is False


def test_name_alone_for_a_missing_profile_says_which_options_create_it(config):
    with pytest.raises(SnowballError, match="Profile bench is not in .*: give endpoint, manifest_path and "
                                            "unlock_code \\(and job_id\\) to create it"):
        snowball_edge_profile.run(Task(name="bench", config_path=config))
    assert not os.path.exists(config)


def test_name_alone_refuses_a_symlinked_or_world_writable_location(config, manifest, tmp_path):
    snowball_edge_profile.run(Task(name="bench", config_path=config, unlock_code=CODE, manifest_path=manifest,
                                   endpoint="192.0.2.10"))
    os.chmod(os.path.dirname(config), 0o777)
    with pytest.raises(SnowballError, match="world-writable"):
        snowball_edge_profile.run(Task(name="bench", config_path=config))
    os.chmod(os.path.dirname(config), 0o700)
    link = tmp_path / "home2" / ".aws" / "snowball" / "config" / "snowball-edge.config"
    link.parent.mkdir(parents=True)
    link.symlink_to(config)
    with pytest.raises(SnowballError, match="symbolic link"):
        snowball_edge_profile.run(Task(name="bench", config_path=str(link)))


def test_part_of_the_credentials_is_refused_and_nothing_written(config, manifest):
    with pytest.raises(SnowballError, match="unlock_code missing: endpoint, manifest_path and unlock_code write the "
                                            "profile together"):
        snowball_edge_profile.run(Task(name="bench", config_path=config, manifest_path=manifest, endpoint="192.0.2.10"))
    assert not os.path.exists(config)
    # removing a profile needs none of them, and ignores them as before
    assert snowball_edge_profile.run(Task(name="bench", config_path=config, state="absent",
                                          unlock_code=CODE))["changed"] is False


def test_profile_settings_without_the_credentials_are_refused(config, manifest):
    snowball_edge_profile.run(Task(name="bench", config_path=config, unlock_code=CODE, manifest_path=manifest,
                                   endpoint="192.0.2.10"))
    with pytest.raises(SnowballError, match="job_id only go into a profile being written"):
        snowball_edge_profile.run(Task(name="bench", config_path=config, job_id=JOB))


def test_an_empty_code_is_refused_as_a_code_and_the_working_profile_stays(config, manifest):
    snowball_edge_profile.run(Task(name="bench", config_path=config, unlock_code=CODE, manifest_path=manifest,
                                   endpoint="192.0.2.10"))
    with open(config, "rb") as handle:
        working = handle.read()
    with pytest.raises(SnowballError, match="unlock_code is not an unlock code.*Nothing was written"):
        snowball_edge_profile.run(Task(name="bench", config_path=config, unlock_code="", manifest_path=manifest,
                                       endpoint="192.0.2.10"))
    with open(config, "rb") as handle:
        assert handle.read() == working


OTHER_JOB = "JID99999999-e89b-12d3-a456-426655440000"


@pytest.mark.parametrize("guard,kept_because", [
    ({"job_id": OTHER_JOB}, "job %s instead of %s" % (JOB, OTHER_JOB)),
    ({"endpoint": "192.0.2.20"}, "endpoint https://192.0.2.10 instead of https://192.0.2.20"),
    ({"job_id": JOB, "endpoint": "https://192.0.2.20"}, "endpoint https://192.0.2.10 instead of https://192.0.2.20"),
], ids=["another job", "another device", "this job at another device"])
def test_absent_keeps_a_profile_saved_for_another_job_or_device_and_warns(config, manifest, guard, kept_because):
    snowball_edge_profile.run(Task(name="bench", config_path=config, job_id=JOB, unlock_code=CODE,
                                   manifest_path=manifest, endpoint="192.0.2.10"))
    with open(config, "rb") as handle:
        before = handle.read()
    task = Task(name="bench", config_path=config, state="absent", **guard)
    assert snowball_edge_profile.run(task)["changed"] is False
    with open(config, "rb") as handle:
        assert handle.read() == before
    warning, = task.warnings
    assert "Profile bench in %s was kept: it was saved for %s" % (config, kept_because) in warning
    assert CODE not in warning


@pytest.mark.parametrize("guard", [{"job_id": JOB}, {"endpoint": "https://192.0.2.10/"},
                                   {"job_id": JOB, "endpoint": "192.0.2.10"}, {}])
def test_absent_removes_the_profile_of_this_job_and_device(config, manifest, guard):
    snowball_edge_profile.run(Task(name="bench", config_path=config, job_id=JOB, unlock_code=CODE,
                                   manifest_path=manifest, endpoint="192.0.2.10"))
    ProfileStore(config).put("other", {"defaultEndpoint": "https://192.0.2.20"})
    task = Task(name="bench", config_path=config, state="absent", **guard)
    assert snowball_edge_profile.run(task)["changed"] is True and task.warnings == []
    assert ProfileStore(config).names() == {"other"}
