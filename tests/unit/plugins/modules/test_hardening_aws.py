# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 11, AWS side: what a hostile or broken network answers must not become a manifest or a traceback
(items 8, 10 and 12). The modules run in-process through real botocore against the API stand-in."""

from __future__ import annotations

import os

import pytest

from ansible_collections.fieldops.snowball.plugins.module_utils import _job
from ansible_collections.fieldops.snowball.plugins.modules import snowball_manifest
from ansible_collections.fieldops.snowball.plugins.modules import snowball_unlock_code


def own(result):
    """The result less Ansible's deprecations of other collections' imports (amazon.aws 10 on ansible-core 2.20
    carries one, with the import's call stack)."""
    return {key: value for key, value in result.items() if key != "deprecations"}


def aws_args(site, **args):
    return dict(args, endpoint_url=site.endpoint_url, region="us-east-1")


def manifest_args(site, job_id, **args):
    return aws_args(site, job_id=job_id, dest=os.path.join(site.home, "manifests", job_id + ".bin"), **args)


# --- item 8: a 200 answer that is not a manifest

def test_captive_portal_page_is_not_saved_as_the_manifest(site, run_module):
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


def test_a_page_saved_earlier_is_downloaded_again(site, run_module):
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


@pytest.mark.parametrize("data, content_type, problem", [
    (b"<!DOCTYPE html><html>" + b"x" * 600, "binary/octet-stream", "HTML or XML page"),
    (b"\x00" * 600, "text/html; charset=utf-8", "served as text/html"),
    (b"\x00" * 600, "application/json", "served as application/json"),
    (b"\x01\x02", "binary/octet-stream", "only 2 bytes"),
])
def test_manifest_problem_names_why(data, content_type, problem):
    assert problem in _job.manifest_problem(data, content_type)


def test_a_stand_in_manifest_is_a_manifest(site):
    job_id = site.add_device()
    assert _job.manifest_problem(site.world.jobs[job_id]["manifest"], "binary/octet-stream") is None


# --- item 10: malformed API responses

@pytest.mark.parametrize("body", [
    b'{"UnlockCode": 12345}',   # not a string
    b'{}',                      # missing
    b'{"UnlockCode": "abcde-',  # truncated JSON (botocore keeps it as a message)
    b'not json at all',
])
def test_malformed_unlock_code_answer_is_explained(site, run_module, body):
    job_id = site.add_device()
    site.world.faults.operations = {"GetJobUnlockCode"}
    site.world.faults.malformed_next = [body]
    result = run_module(snowball_unlock_code, aws_args(site, job_id=job_id))
    assert result["failed"] and "without a usable UnlockCode" in result["msg"] and job_id in result["msg"]
    assert "Traceback" not in repr(own(result)) and "abcde" not in repr(result)


@pytest.mark.parametrize("body", [b'{"JobMetadata": {"JobId": "JID', b'{"JobMetadata": "x"}', b'[]'])
def test_malformed_describe_job_answer_is_explained(site, run_module, body):
    job_id = site.add_device()
    site.world.faults.operations = {"DescribeJob"}
    site.world.faults.malformed_next = [body]
    result = run_module(snowball_unlock_code, aws_args(site, job_id=job_id))
    assert result["failed"] and ("without a usable JobMetadata" in result["msg"] or "could not be read" in result["msg"])
    assert "Traceback" not in repr(own(result)) and "AttributeError" not in repr(own(result))
    assert site.world.count("GetJobUnlockCode") == 0


def test_unreadable_answer_is_explained():
    """botocore raises ResponseParserError for an answer it cannot parse at all; aws_error explains it."""
    import botocore.parsers  # pylint: disable=import-outside-toplevel
    error = _job.aws_error(botocore.parsers.ResponseParserError("Unable to parse response"), "DescribeJob",
                           "JID1", "us-east-1")
    assert "could not be read" in error.msg and "run again" in error.msg


# --- item 12: where the download may go, and for how long

def test_redirect_to_another_host_is_refused(site, run_module):
    job_id = site.add_device()
    site.world.faults.manifest_fault_next = ["redirect_elsewhere"]
    args = manifest_args(site, job_id)
    result = run_module(snowball_manifest, args)
    assert result["failed"] and "redirected to another host (localhost)" in result["msg"]
    assert not os.path.exists(args["dest"])
    assert site.world.manifest_downloads == [job_id]  # the redirect only: the other host was never asked


def test_file_uri_is_refused(site, run_module):
    job_id = site.add_device()
    private = os.path.join(site.root, "private.bin")
    with open(private, "wb") as handle:
        handle.write(b"\x00secret" * 100)
    site.world.faults.manifest_uri = "file://" + private
    args = manifest_args(site, job_id)
    result = run_module(snowball_manifest, args)
    assert result["failed"] and "not an https URL (file:)" in result["msg"]
    assert not os.path.exists(args["dest"])


def test_http_manifest_is_refused_when_the_api_is_https(tls_site, run_module):
    job_id = tls_site.add_device()
    tls_site.world.faults.manifest_uri = "http://127.0.0.1:9/manifest.bin"
    args = dict(manifest_args(tls_site, job_id), aws_ca_bundle=tls_site.ca_bundle)
    result = run_module(snowball_manifest, args)
    assert result["failed"] and "not an https URL (http:)" in result["msg"]


def test_https_manifest_still_downloads(tls_site, run_module):
    job_id = tls_site.add_device()
    args = dict(manifest_args(tls_site, job_id), aws_ca_bundle=tls_site.ca_bundle)
    result = run_module(snowball_manifest, args)
    assert not result.get("failed") and result["changed"], result


def test_trickling_download_stops_at_the_deadline(site, run_module, monkeypatch):
    """One byte every 0.2 s would take minutes for the whole manifest; each read returns in time, so only an
    overall deadline stops it. Shortened here; the test asserts the outcome, not the time."""
    monkeypatch.setattr(_job, "MANIFEST_DOWNLOAD_DEADLINE", 1)
    job_id = site.add_device()
    site.world.faults.manifest_fault_next = ["trickle"]
    site.world.faults.trickle_seconds = 0.2
    args = manifest_args(site, job_id)
    result = run_module(snowball_manifest, args)
    assert result["failed"] and "took longer than 1 seconds" in result["msg"], result
    assert not os.path.exists(args["dest"])
