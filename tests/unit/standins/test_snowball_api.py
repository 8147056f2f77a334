# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The API stand-in must be as strict as AWS, or the module tests prove nothing."""

from __future__ import annotations

import json
import urllib.request

import boto3
import botocore.config
import botocore.exceptions
import pytest

from ansible_collections.fieldops.snowball.tests.standins import api_model, aws_jobs, snowball_api


def client(site, secret=snowball_api.SECRET_KEY, validate=True):
    return boto3.client("snowball", region_name=snowball_api.REGION, endpoint_url=site.endpoint_url,
                        aws_access_key_id=snowball_api.ACCESS_KEY, aws_secret_access_key=secret,
                        config=botocore.config.Config(parameter_validation=validate))


def test_wrong_signature_is_rejected(site):
    with pytest.raises(botocore.exceptions.ClientError, match="InvalidSignatureException"):
        client(site, secret="wrong").describe_job(JobId="JID123e4567-e89b-12d3-a456-426655440000")


def test_unsigned_request_is_rejected(site):
    request = urllib.request.Request(site.endpoint_url + "/", data=b"{}", method="POST", headers={
        "X-Amz-Target": "AWSIESnowballJobManagementService.ListJobs", "Content-Type": "application/x-amz-json-1.1"})
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request)
    body = json.loads(raised.value.read())
    assert raised.value.code == 403 and body["__type"] == "MissingAuthenticationTokenException" and body["message"]


def test_parameters_are_validated_against_the_model(site):
    with pytest.raises(botocore.exceptions.ClientError, match="ValidationException"):
        # with botocore's own validation off, only the stand-in can catch the wrong type
        client(site, validate=False).list_jobs(MaxResults="many")


def test_errors_have_the_aws_shape(site):
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        client(site).get_job_unlock_code(JobId="JID123e4567-e89b-12d3-a456-426655440000")
    assert raised.value.response["Error"]["Code"] == "InvalidResourceException"


def test_presigned_manifest_url_expires(site):
    job_id = site.add_device()
    site.world.manifest_url_lifetime = -1
    uri = client(site).get_job_manifest(JobId=job_id)["ManifestURI"]
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(uri)
    assert raised.value.code == 403


def test_responses_are_checked_against_the_model():
    shape = api_model.MODEL.operation_model("DescribeJob").output_shape
    with pytest.raises(AssertionError, match="not in the model"):
        api_model.check_against_shape(shape, {"JobMetadata": {"JobId": "x", "Invented": 1}})
    with pytest.raises(AssertionError, match="is not one of"):
        api_model.check_against_shape(shape, {"JobMetadata": {"JobState": "Delivered"}})


def test_delay_fault_makes_a_client_time_out(site):
    site.world.faults.delay_seconds = 1.0
    impatient = boto3.client("snowball", region_name=snowball_api.REGION, endpoint_url=site.endpoint_url,
                             aws_access_key_id=snowball_api.ACCESS_KEY, aws_secret_access_key=snowball_api.SECRET_KEY,
                             config=botocore.config.Config(read_timeout=0.1, retries={"total_max_attempts": 1}))
    with pytest.raises(botocore.exceptions.ReadTimeoutError):
        impatient.list_jobs()


def test_response_strings_are_checked_against_the_models_patterns():
    shape = api_model.MODEL.operation_model("DescribeJob").output_shape
    with pytest.raises(AssertionError, match="does not match"):
        api_model.check_against_shape(shape, {"JobMetadata": {"LongTermPricingId": "LTPID" + "x" * 36}})
    with pytest.raises(AssertionError, match="length outside 41..41"):
        api_model.check_against_shape(shape, {"JobMetadata": {"LongTermPricingId": "LTPID123"}})


def test_long_term_pricing_job_keeps_its_credentials_past_360_days_unless_told(site):
    """The 360-day limit is AWS's to apply; that AWS waives it for long-term pricing is undocumented, so both
    answers can be staged."""
    kept = site.add_device(age_days=400, long_term_pricing=True)
    refused = site.add_device(ip="192.0.2.11", age_days=400, long_term_pricing=True, credentials_expired=True)
    plain = site.add_device(ip="192.0.2.12", age_days=400)
    api = client(site)
    metadata = api.describe_job(JobId=kept)["JobMetadata"]
    assert metadata["LongTermPricingId"].startswith("LTPID") and len(metadata["LongTermPricingId"]) == 41
    assert api.get_job_unlock_code(JobId=kept)["UnlockCode"] == site.world.jobs[kept]["unlock_code"]
    for job_id in (refused, plain):
        for call in (api.get_job_unlock_code, api.get_job_manifest):
            with pytest.raises(botocore.exceptions.ClientError) as raised:
                call(JobId=job_id)
            assert raised.value.response["Error"]["Code"] == "InvalidJobStateException"
    assert "LongTermPricingId" not in api.describe_job(JobId=plain)["JobMetadata"]


def test_export_main_job_has_no_device_and_names_its_parts(site):
    main, parts = site.add_export_job(["192.0.2.31", "192.0.2.32"])
    api = client(site)
    assert main.startswith("MID") and all(part.startswith("JID") for part in parts)
    described = api.describe_job(JobId=main)
    assert described["JobMetadata"]["JobType"] == "EXPORT"
    assert [part["JobId"] for part in described["SubJobMetadata"]] == parts
    assert "SubJobMetadata" not in api.describe_job(JobId=parts[0])
    listed = {entry["JobId"]: entry["IsMaster"] for page in api.get_paginator("list_jobs").paginate()
              for entry in page["JobListEntries"]}
    assert listed == {main: True, parts[0]: False, parts[1]: False}
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        api.get_job_unlock_code(JobId=main)
    assert raised.value.response["Error"]["Code"] == "InvalidResourceException"
    assert api.get_job_unlock_code(JobId=parts[1])["UnlockCode"] == site.world.jobs[parts[1]]["unlock_code"]
    assert set(site.device_states()) == {"192.0.2.31", "192.0.2.32"}  # the main job has no device


def test_every_node_of_a_cluster_gets_the_clusters_code_and_manifest(site):
    cluster = site.add_cluster(["192.0.2.21", "192.0.2.22", "192.0.2.23"])
    api = client(site)
    codes = {api.get_job_unlock_code(JobId=job_id)["UnlockCode"] for job_id in cluster.job_ids}
    manifests = {urllib.request.urlopen(api.get_job_manifest(JobId=job_id)["ManifestURI"]).read()
                 for job_id in cluster.job_ids}
    assert len(codes) == 1 and len(manifests) == 1
    listed = api.list_cluster_jobs(ClusterId=cluster.cluster_id)["JobListEntries"]
    assert [entry["JobId"] for entry in listed] == cluster.job_ids[:len(listed)]


def test_manifest_opens_only_with_its_own_code():
    from ansible_collections.fieldops.snowball.tests.standins import simulated_devices

    code = aws_jobs.new_unlock_code()
    manifest = aws_jobs.new_manifest(aws_jobs.new_job_id(), code)
    assert code.encode() not in manifest
    assert simulated_devices.code_opens_manifest(manifest, code) is True
    assert simulated_devices.code_opens_manifest(manifest, aws_jobs.new_unlock_code()) is False
    assert simulated_devices.code_opens_manifest(b"some other manifest", code) is None


@pytest.mark.parametrize("device_type", ["V3_5C", "V3_5S"])
def test_jobs_are_for_todays_devices_and_report_remote_management(site, device_type):
    job_id = site.add_device(device_type=device_type, remote_management="INSTALLED_AUTOSTART")
    metadata = client(site).describe_job(JobId=job_id)["JobMetadata"]
    assert metadata["SnowballType"] == device_type and metadata["RemoteManagement"] == "INSTALLED_AUTOSTART"
    assert [entry["SnowballType"] for entry in client(site).list_jobs()["JobListEntries"]] == [device_type]
    default = site.add_device(ip="192.0.2.11")
    assert client(site).describe_job(JobId=default)["JobMetadata"]["RemoteManagement"] == "INSTALLED_ONLY"


@pytest.mark.parametrize("job_type", ["IMPORT", "EXPORT"])
def test_an_in_progress_job_says_by_its_type_whether_aws_imports_or_exports(site, job_type):
    job_id = site.add_device(state="InProgress", job_type=job_type)
    metadata = client(site).describe_job(JobId=job_id)["JobMetadata"]
    assert (metadata["JobState"], metadata["JobType"]) == ("InProgress", job_type)
