# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWS-side modules, run in-process through real botocore against the API stand-in."""

from __future__ import annotations

import hashlib
import os
import stat

import pytest

from ansible_collections.fieldops.snowball.plugins.modules import snowball_job_info
from ansible_collections.fieldops.snowball.plugins.modules import snowball_manifest
from ansible_collections.fieldops.snowball.plugins.modules import snowball_unlock_code


def aws_args(site, **args):
    return dict(args, endpoint_url=site.endpoint_url, region="us-east-1")


def test_unlock_code_happy_path_uses_two_calls(site, run_module):
    job_id = site.add_device()
    result = run_module(snowball_unlock_code, aws_args(site, job_id=job_id))
    assert not result.get("failed") and result["changed"] is False
    assert result["unlock_code"] == site.world.jobs[job_id]["unlock_code"]
    assert result["job_state"] == "WithCustomer"
    assert [call["operation"] for call in site.world.calls] == ["DescribeJob", "GetJobUnlockCode"]


def test_bad_job_id_makes_no_call(site, run_module):
    result = run_module(snowball_unlock_code, aws_args(site, job_id="JID123E4567-E89B-12D3-A456-426655440000"))
    assert result["failed"] and "JID123e4567-e89b-12d3-a456-426655440000" in result["msg"]
    assert site.world.calls == []


def test_undelivered_job_is_explained_and_no_code_is_asked_for(site, run_module):
    job_id = site.add_device(state="InTransitToCustomer")
    result = run_module(snowball_unlock_code, aws_args(site, job_id=job_id))
    assert result["failed"] and "has not been delivered yet" in result["msg"] and job_id in result["msg"]
    assert site.world.count("GetJobUnlockCode") == 0


def test_expired_job_says_contact_support(site, run_module):
    job_id = site.add_device(age_days=400)
    result = run_module(snowball_unlock_code, aws_args(site, job_id=job_id))
    assert result["failed"] and "contact AWS Support" in result["msg"]


def test_unknown_job(site, run_module):
    result = run_module(snowball_unlock_code, aws_args(site, job_id="JID00000000-0000-0000-0000-000000000000"))
    assert result["failed"] and "was not found in region us-east-1" in result["msg"]


def test_code_of_the_wrong_form_is_refused_without_showing_it(site, run_module):
    job_id = site.add_device(unlock_code="not-a-valid-code-at-all")
    result = run_module(snowball_unlock_code, aws_args(site, job_id=job_id))
    assert result["failed"] and "not of the documented form" in result["msg"]
    assert "not-a-valid-code-at-all" not in repr(result)


def test_throttling_is_retried(site, run_module):
    job_id = site.add_device()
    site.world.faults.throttle_next = 2
    result = run_module(snowball_unlock_code, aws_args(site, job_id=job_id))
    assert not result.get("failed")
    assert site.world.count("DescribeJob") == 3


def test_dest_writes_a_private_file_once(site, run_module, tmp_path):
    job_id = site.add_device()
    dest = str(tmp_path / "code.txt")
    first = run_module(snowball_unlock_code, aws_args(site, job_id=job_id, dest=dest))
    assert first["changed"] and "unlock_code" not in first and first["dest"] == dest
    with open(dest, encoding="utf-8") as handle:
        assert handle.read().strip() == site.world.jobs[job_id]["unlock_code"]
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    assert run_module(snowball_unlock_code, aws_args(site, job_id=job_id, dest=dest))["changed"] is False


def test_dest_in_check_mode_writes_nothing(site, run_module, tmp_path):
    job_id = site.add_device()
    dest = tmp_path / "code.txt"
    result = run_module(snowball_unlock_code, aws_args(site, job_id=job_id, dest=str(dest), _ansible_check_mode=True))
    assert result["changed"] and not dest.exists()


def test_dest_in_world_writable_directory_is_refused(site, run_module, tmp_path):
    job_id = site.add_device()
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    result = run_module(snowball_unlock_code, aws_args(site, job_id=job_id, dest=str(shared / "code")))
    assert result["failed"] and "world-writable" in result["msg"] and site.world.calls == []


def test_manifest_download_is_atomic_and_idempotent(site, run_module, tmp_path):
    job_id = site.add_device()
    dest = str(tmp_path / "manifest.bin")
    first = run_module(snowball_manifest, aws_args(site, job_id=job_id, dest=dest))
    manifest = site.world.jobs[job_id]["manifest"]
    assert first["changed"] and first["size"] == len(manifest)
    assert first["checksum"] == hashlib.sha1(manifest).hexdigest()
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    second = run_module(snowball_manifest, aws_args(site, job_id=job_id, dest=dest))
    assert second["changed"] is False and site.world.count("GetJobManifest") == 1
    forced = run_module(snowball_manifest, aws_args(site, job_id=job_id, dest=dest, force=True))
    assert forced["changed"] is False and site.world.count("GetJobManifest") == 2


def test_truncated_manifest_leaves_the_old_file(site, run_module, tmp_path):
    job_id = site.add_device()
    out = tmp_path / "out"
    out.mkdir()
    dest = out / "manifest.bin"
    dest.write_bytes(b"previous")
    site.world.faults.truncate_manifest_next = 1
    result = run_module(snowball_manifest, aws_args(site, job_id=job_id, dest=str(dest), force=True))
    assert result["failed"] and job_id in result["msg"]
    assert dest.read_bytes() == b"previous" and os.listdir(out) == ["manifest.bin"]
    assert "X-Amz-Signature" not in repr(result) and "/manifests/" not in repr(result)


def test_a_length_header_that_is_not_a_number_is_no_crash(site, run_module, tmp_path):
    job_id = site.add_device()
    dest = tmp_path / "manifest.bin"
    site.world.faults.manifest_fault_next = ["bad_length"]
    result = run_module(snowball_manifest, aws_args(site, job_id=job_id, dest=str(dest)))
    assert not result.get("failed"), result
    assert dest.read_bytes() == site.world.jobs[job_id]["manifest"]


def test_expired_manifest_url_is_explained(site, run_module, tmp_path):
    job_id = site.add_device()
    site.world.manifest_url_lifetime = -1
    out = tmp_path / "out"
    out.mkdir()
    result = run_module(snowball_manifest, aws_args(site, job_id=job_id, dest=str(out / "m.bin")))
    assert result["failed"] and "HTTP 403" in result["msg"] and "60 minutes" in result["msg"]
    assert os.listdir(out) == []


# Behind a TLS-inspecting proxy, AWS is only trusted with the proxy's CA. The presigned manifest URL is
# AWS (S3) too, so the download must trust what the API calls trust.
def test_https_manifest_download_trusts_the_aws_ca_bundle(tls_site, run_module, tmp_path):
    job_id = tls_site.add_device()
    dest = tmp_path / "manifest.bin"
    result = run_module(snowball_manifest, aws_args(tls_site, job_id=job_id, dest=str(dest),
                                                    aws_ca_bundle=tls_site.ca_bundle))
    assert not result.get("failed"), result.get("msg")
    assert dest.read_bytes() == tls_site.world.jobs[job_id]["manifest"]
    assert tls_site.world.manifest_downloads == [job_id]


def test_https_manifest_download_honours_validate_certs(tls_site, run_module, tmp_path):
    job_id = tls_site.add_device()
    dest = tmp_path / "manifest.bin"
    result = run_module(snowball_manifest, aws_args(tls_site, job_id=job_id, dest=str(dest), validate_certs=False))
    assert not result.get("failed"), result.get("msg")
    assert dest.read_bytes() == tls_site.world.jobs[job_id]["manifest"]


def test_untrusted_certificate_says_to_set_the_ca_bundle(tls_site, run_module, tmp_path):
    job_id = tls_site.add_device()
    out = tmp_path / "out"
    out.mkdir()
    result = run_module(snowball_manifest, aws_args(tls_site, job_id=job_id, dest=str(out / "m.bin")))
    assert result["failed"] and "aws_ca_bundle" in result["msg"] and "AWS_CA_BUNDLE" in result["msg"]
    assert tls_site.world.calls == [] and os.listdir(out) == []


def test_job_info_lists_every_page_and_filters_by_state(site, run_module):
    ids = [site.add_device(ip="192.0.2.%d" % n) for n in range(1, 6)]
    site.world.set_state(ids[0], "Complete")
    result = run_module(snowball_job_info, aws_args(site))
    assert sorted(job["job_id"] for job in result["jobs"]) == sorted(ids)
    assert site.world.count("ListJobs") == 3  # two per page
    filtered = run_module(snowball_job_info, aws_args(site, states=["WithCustomer"]))
    assert sorted(job["job_id"] for job in filtered["jobs"]) == sorted(ids[1:])


def test_job_info_of_a_cluster(site, run_module):
    cluster_id = "CID123e4567-e89b-12d3-a456-426655440000"
    ids = [site.add_device(ip="192.0.2.%d" % n, cluster_id=cluster_id) for n in range(1, 4)]
    site.add_device(ip="192.0.2.9")
    result = run_module(snowball_job_info, aws_args(site, cluster_id=cluster_id))
    assert sorted(job["job_id"] for job in result["jobs"]) == sorted(ids)


@pytest.mark.parametrize("fault", ["server_error_next", "drop_next"])
def test_persistent_failures_fail_cleanly(site, run_module, fault, monkeypatch):
    job_id = site.add_device()
    setattr(site.world.faults, fault, 100)
    monkeypatch.setattr("time.sleep", lambda seconds: None)  # the retry back-off, not synchronisation
    result = run_module(snowball_job_info, aws_args(site, job_id=job_id))
    assert result["failed"]
    assert "after several retries" in result["msg"] or "Could not reach the Snowball API" in result["msg"]
    assert "Traceback" not in result.get("msg", "")


def test_missing_credentials_say_where_to_set_them(site, run_module, monkeypatch, tmp_path):
    job_id = site.add_device()
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance-metadata look-up off this machine
    result = run_module(snowball_unlock_code, aws_args(site, job_id=job_id))
    assert result["failed"] and "No AWS credentials were found" in result["msg"] and site.world.calls == []


def test_aws_refusal_without_the_state_check_is_explained(site, run_module):
    job_id = site.add_device(state="InTransitToCustomer")
    result = run_module(snowball_unlock_code, aws_args(site, job_id=job_id, check_job_state=False))
    assert result["failed"] and result["error_code"] == "InvalidJobStateException"
    assert "AWS refused GetJobUnlockCode for %s" % job_id in result["msg"]
    assert [call["operation"] for call in site.world.calls] == ["GetJobUnlockCode"]


def test_manifest_then_code_is_three_calls(site, run_module, tmp_path):
    """The role's way: the manifest module verifies the job, so the code needs no second DescribeJob."""
    job_id = site.add_device()
    manifest = tmp_path / "out" / "manifest.bin"  # the directory is created, privately
    first = run_module(snowball_manifest, aws_args(site, job_id=job_id, dest=str(manifest)))
    assert first["changed"] and manifest.read_bytes() == site.world.jobs[job_id]["manifest"]
    assert stat.S_IMODE(manifest.stat().st_mode) == 0o600 and stat.S_IMODE(manifest.parent.stat().st_mode) == 0o700
    code = run_module(snowball_unlock_code, aws_args(site, job_id=job_id, check_job_state=False))
    assert code["unlock_code"] == site.world.jobs[job_id]["unlock_code"] and "job_state" not in code
    assert [call["operation"] for call in site.world.calls] == ["DescribeJob", "GetJobManifest", "GetJobUnlockCode"]
    again = run_module(snowball_manifest, aws_args(site, job_id=job_id, dest=str(manifest)))
    assert again["changed"] is False and site.world.count("GetJobManifest") == 1
