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

from ansible_collections.fieldops.snowball.tests.standins import snowball_api


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
    shape = snowball_api._MODEL.operation_model("DescribeJob").output_shape
    with pytest.raises(AssertionError, match="not in the model"):
        snowball_api.check_against_shape(shape, {"JobMetadata": {"JobId": "x", "Invented": 1}})
    with pytest.raises(AssertionError, match="is not one of"):
        snowball_api.check_against_shape(shape, {"JobMetadata": {"JobState": "Delivered"}})


def test_delay_fault_makes_a_client_time_out(site):
    site.world.faults.delay_seconds = 1.0
    impatient = boto3.client("snowball", region_name=snowball_api.REGION, endpoint_url=site.endpoint_url,
                             aws_access_key_id=snowball_api.ACCESS_KEY, aws_secret_access_key=snowball_api.SECRET_KEY,
                             config=botocore.config.Config(read_timeout=0.1, retries={"total_max_attempts": 1}))
    with pytest.raises(botocore.exceptions.ReadTimeoutError):
        impatient.list_jobs()
