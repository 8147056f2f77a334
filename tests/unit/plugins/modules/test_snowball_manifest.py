# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""snowball_manifest, run in-process through real botocore against the API stand-in: an atomic, private download
that a hostile or broken network (captive portal, redirect, trickle, bad certificate) cannot turn into a manifest."""

from __future__ import annotations

import hashlib
import os
import stat

from ansible_collections.fieldops.snowball.plugins.module_utils import _manifest
from ansible_collections.fieldops.snowball.plugins.modules import snowball_manifest
from ansible_collections.fieldops.snowball.plugins.modules import snowball_unlock_code


def test_manifest_download_is_atomic_and_idempotent(site, run_module, tmp_path, aws_args):
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


def test_truncated_manifest_leaves_the_old_file(site, run_module, tmp_path, aws_args):
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


def test_a_length_header_that_is_not_a_number_is_no_crash(site, run_module, tmp_path, aws_args):
    job_id = site.add_device()
    dest = tmp_path / "manifest.bin"
    site.world.faults.manifest_fault_next = ["bad_length"]
    result = run_module(snowball_manifest, aws_args(site, job_id=job_id, dest=str(dest)))
    assert not result.get("failed"), result
    assert dest.read_bytes() == site.world.jobs[job_id]["manifest"]


def test_expired_manifest_url_is_explained(site, run_module, tmp_path, aws_args):
    job_id = site.add_device()
    site.world.manifest_url_lifetime = -1
    out = tmp_path / "out"
    out.mkdir()
    result = run_module(snowball_manifest, aws_args(site, job_id=job_id, dest=str(out / "m.bin")))
    assert result["failed"] and "HTTP 403" in result["msg"] and "60 minutes" in result["msg"]
    assert os.listdir(out) == []


# Behind a TLS-inspecting proxy, AWS is only trusted with the proxy's CA. The presigned manifest URL is
# AWS (S3) too, so the download must trust what the API calls trust.
def test_https_manifest_download_trusts_the_aws_ca_bundle(tls_site, run_module, tmp_path, aws_args):
    job_id = tls_site.add_device()
    dest = tmp_path / "manifest.bin"
    result = run_module(snowball_manifest, aws_args(tls_site, job_id=job_id, dest=str(dest),
                                                    aws_ca_bundle=tls_site.ca_bundle))
    assert not result.get("failed"), result.get("msg")
    assert dest.read_bytes() == tls_site.world.jobs[job_id]["manifest"]
    assert tls_site.world.manifest_downloads == [job_id]


def test_https_manifest_download_honours_validate_certs(tls_site, run_module, tmp_path, aws_args):
    job_id = tls_site.add_device()
    dest = tmp_path / "manifest.bin"
    result = run_module(snowball_manifest, aws_args(tls_site, job_id=job_id, dest=str(dest), validate_certs=False))
    assert not result.get("failed"), result.get("msg")
    assert dest.read_bytes() == tls_site.world.jobs[job_id]["manifest"]


def test_untrusted_certificate_says_to_set_the_ca_bundle(tls_site, run_module, tmp_path, aws_args):
    job_id = tls_site.add_device()
    out = tmp_path / "out"
    out.mkdir()
    result = run_module(snowball_manifest, aws_args(tls_site, job_id=job_id, dest=str(out / "m.bin")))
    assert result["failed"] and "aws_ca_bundle" in result["msg"] and "AWS_CA_BUNDLE" in result["msg"]
    assert tls_site.world.calls == [] and os.listdir(out) == []


def test_manifest_then_code_is_three_calls(site, run_module, tmp_path, aws_args):
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


def test_captive_portal_page_is_not_saved_as_the_manifest(site, run_module, manifest_args):
    job_id = site.add_device()
    site.world.faults.manifest_fault_next = ["captive_portal"]
    args = manifest_args(site, job_id)
    result = run_module(snowball_manifest, args)
    assert result["failed"] and "is not a manifest" in result["msg"] and "captive portal" in result["msg"]
    assert not os.path.exists(args["dest"])
    # the next run, once signed in to the network, gets the manifest
    result = run_module(snowball_manifest, args)
    assert not result.get("failed") and result["changed"]
    with open(args["dest"], "rb") as handle:
        assert handle.read() == site.world.jobs[job_id]["manifest"]


def test_a_page_saved_earlier_is_downloaded_again(site, run_module, manifest_args):
    """A captive portal page an older version saved is not kept for ever: the next run replaces it."""
    job_id = site.add_device()
    args = manifest_args(site, job_id)
    os.makedirs(os.path.dirname(args["dest"]), mode=0o700)
    with open(args["dest"], "wb") as handle:
        handle.write(b"<html><body>Guest Wi-Fi: accept the terms</body></html>" + b" " * 512)
    result = run_module(snowball_manifest, args)
    assert not result.get("failed") and result["changed"], result
    assert len(site.world.manifest_downloads) == 1
    with open(args["dest"], "rb") as handle:
        assert handle.read() == site.world.jobs[job_id]["manifest"]


def test_redirect_to_another_host_is_refused(site, run_module, manifest_args):
    job_id = site.add_device()
    site.world.faults.manifest_fault_next = ["redirect_elsewhere"]
    args = manifest_args(site, job_id)
    result = run_module(snowball_manifest, args)
    assert result["failed"] and "redirected to another host (localhost)" in result["msg"]
    assert not os.path.exists(args["dest"])
    assert site.world.manifest_downloads == [job_id]  # the redirect only: the other host was never asked


def test_file_uri_is_refused(site, run_module, manifest_args):
    job_id = site.add_device()
    private = os.path.join(site.root, "private.bin")
    with open(private, "wb") as handle:
        handle.write(b"\x00secret" * 100)
    site.world.faults.manifest_uri = "file://" + private
    args = manifest_args(site, job_id)
    result = run_module(snowball_manifest, args)
    assert result["failed"] and "not an https URL (file:)" in result["msg"]
    assert not os.path.exists(args["dest"])


def test_http_manifest_is_refused_when_the_api_is_https(tls_site, run_module, manifest_args):
    job_id = tls_site.add_device()
    tls_site.world.faults.manifest_uri = "http://127.0.0.1:9/manifest.bin"
    args = dict(manifest_args(tls_site, job_id), aws_ca_bundle=tls_site.ca_bundle)
    result = run_module(snowball_manifest, args)
    assert result["failed"] and "not an https URL (http:)" in result["msg"]


def test_https_manifest_still_downloads(tls_site, run_module, manifest_args):
    job_id = tls_site.add_device()
    args = dict(manifest_args(tls_site, job_id), aws_ca_bundle=tls_site.ca_bundle)
    result = run_module(snowball_manifest, args)
    assert not result.get("failed") and result["changed"], result


def test_trickling_download_stops_at_the_deadline(site, run_module, monkeypatch, manifest_args):
    """One byte every 0.2 s would take minutes for the whole manifest; each read returns in time, so only an
    overall deadline stops it. Shortened here; the test asserts the outcome, not the time."""
    monkeypatch.setattr(_manifest, "MANIFEST_DOWNLOAD_DEADLINE", 1)
    job_id = site.add_device()
    site.world.faults.manifest_fault_next = ["trickle"]
    site.world.faults.trickle_seconds = 0.2
    args = manifest_args(site, job_id)
    result = run_module(snowball_manifest, args)
    assert result["failed"] and "took longer than 1 seconds" in result["msg"], result
    assert not os.path.exists(args["dest"])
