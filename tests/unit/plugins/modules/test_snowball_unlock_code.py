# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""snowball_unlock_code, run in-process through real botocore against the API stand-in: the job check, the
code, its file, and what a broken answer becomes."""

from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.fieldops.snowball.plugins.modules import snowball_unlock_code


def own(result):
    """The result less Ansible's deprecations of other collections' imports (amazon.aws 10 on ansible-core 2.20
    carries one, with the import's call stack)."""
    return {key: value for key, value in result.items() if key != "deprecations"}


def test_unlock_code_happy_path_uses_two_calls(site, run_module, aws_args):
    job_id = site.add_device()
    result = run_module(snowball_unlock_code, aws_args(site, job_id=job_id))
    assert not result.get("failed") and result["changed"] is False
    assert result["unlock_code"] == site.world.jobs[job_id]["unlock_code"]
    assert result["job_state"] == "WithCustomer"
    assert [call["operation"] for call in site.world.calls] == ["DescribeJob", "GetJobUnlockCode"]


def test_bad_job_id_makes_no_call(site, run_module, aws_args):
    result = run_module(snowball_unlock_code, aws_args(site, job_id="JID123E4567-E89B-12D3-A456-426655440000"))
    assert result["failed"] and "JID123e4567-e89b-12d3-a456-426655440000" in result["msg"]
    assert site.world.calls == []


def test_undelivered_job_is_explained_and_no_code_is_asked_for(site, run_module, aws_args):
    job_id = site.add_device(state="InTransitToCustomer")
    result = run_module(snowball_unlock_code, aws_args(site, job_id=job_id))
    assert result["failed"] and "has not been delivered yet" in result["msg"] and job_id in result["msg"]
    assert site.world.count("GetJobUnlockCode") == 0


def test_expired_job_says_contact_support(site, run_module, aws_args):
    job_id = site.add_device(age_days=400)
    result = run_module(snowball_unlock_code, aws_args(site, job_id=job_id))
    assert result["failed"] and "contact AWS Support" in result["msg"]


def test_unknown_job(site, run_module, aws_args):
    result = run_module(snowball_unlock_code, aws_args(site, job_id="JID00000000-0000-0000-0000-000000000000"))
    assert result["failed"] and "was not found in region us-east-1" in result["msg"]


def test_code_of_the_wrong_form_is_refused_without_showing_it(site, run_module, aws_args):
    job_id = site.add_device(unlock_code="not-a-valid-code-at-all")
    result = run_module(snowball_unlock_code, aws_args(site, job_id=job_id))
    assert result["failed"] and "not of the documented form" in result["msg"]
    assert "not-a-valid-code-at-all" not in repr(result)


def test_throttling_is_retried(site, run_module, aws_args):
    job_id = site.add_device()
    site.world.faults.throttle_next = 2
    result = run_module(snowball_unlock_code, aws_args(site, job_id=job_id))
    assert not result.get("failed")
    assert site.world.count("DescribeJob") == 3


def test_dest_writes_a_private_file_once(site, run_module, tmp_path, aws_args):
    job_id = site.add_device()
    dest = str(tmp_path / "code.txt")
    first = run_module(snowball_unlock_code, aws_args(site, job_id=job_id, dest=dest))
    assert first["changed"] and "unlock_code" not in first and first["dest"] == dest
    with open(dest, encoding="utf-8") as handle:
        assert handle.read().strip() == site.world.jobs[job_id]["unlock_code"]
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    assert run_module(snowball_unlock_code, aws_args(site, job_id=job_id, dest=dest))["changed"] is False


def test_dest_in_check_mode_writes_nothing(site, run_module, tmp_path, aws_args):
    job_id = site.add_device()
    dest = tmp_path / "code.txt"
    result = run_module(snowball_unlock_code, aws_args(site, job_id=job_id, dest=str(dest), _ansible_check_mode=True))
    assert result["changed"] and not dest.exists()


def test_dest_in_world_writable_directory_is_refused(site, run_module, tmp_path, aws_args):
    job_id = site.add_device()
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    result = run_module(snowball_unlock_code, aws_args(site, job_id=job_id, dest=str(shared / "code")))
    assert result["failed"] and "world-writable" in result["msg"] and site.world.calls == []


def test_missing_credentials_say_where_to_set_them(site, run_module, monkeypatch, tmp_path, aws_args):
    job_id = site.add_device()
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance-metadata look-up off this machine
    result = run_module(snowball_unlock_code, aws_args(site, job_id=job_id))
    assert result["failed"] and "No AWS credentials were found" in result["msg"] and site.world.calls == []


def test_aws_refusal_without_the_state_check_is_explained(site, run_module, aws_args):
    job_id = site.add_device(state="InTransitToCustomer")
    result = run_module(snowball_unlock_code, aws_args(site, job_id=job_id, check_job_state=False))
    assert result["failed"] and result["error_code"] == "InvalidJobStateException"
    assert "AWS refused GetJobUnlockCode for %s" % job_id in result["msg"]
    assert [call["operation"] for call in site.world.calls] == ["GetJobUnlockCode"]


@pytest.mark.parametrize("body", [
    b'{"UnlockCode": 12345}',   # not a string
    b'{}',                      # missing
    b'{"UnlockCode": "abcde-',  # truncated JSON (botocore keeps it as a message)
    b'not json at all',
])
def test_malformed_unlock_code_answer_is_explained(site, run_module, body, aws_args):
    job_id = site.add_device()
    site.world.faults.operations = {"GetJobUnlockCode"}
    site.world.faults.malformed_next = [body]
    result = run_module(snowball_unlock_code, aws_args(site, job_id=job_id))
    assert result["failed"] and "without a usable UnlockCode" in result["msg"] and job_id in result["msg"]
    assert "Traceback" not in repr(own(result)) and "abcde" not in repr(result)


@pytest.mark.parametrize("body", [b'{"JobMetadata": {"JobId": "JID', b'{"JobMetadata": "x"}', b'[]'])
def test_malformed_describe_job_answer_is_explained(site, run_module, body, aws_args):
    job_id = site.add_device()
    site.world.faults.operations = {"DescribeJob"}
    site.world.faults.malformed_next = [body]
    result = run_module(snowball_unlock_code, aws_args(site, job_id=job_id))
    assert result["failed"] and ("without a usable JobMetadata" in result["msg"] or "could not be read" in result["msg"])
    assert "Traceback" not in repr(own(result)) and "AttributeError" not in repr(own(result))
    assert site.world.count("GetJobUnlockCode") == 0


def test_an_aws_refusal_keeps_the_request_id_aws_support_asks_for(site, run_module, aws_args):
    result = run_module(snowball_unlock_code, aws_args(site, job_id="JID00000000-0000-0000-0000-000000000000",
                                                       check_job_state=False))
    assert result["failed"] and result["error_code"] == "InvalidResourceException" and result["request_id"]
    assert "AWS request id: %s (quote it to AWS Support)" % result["request_id"] in result["msg"]
