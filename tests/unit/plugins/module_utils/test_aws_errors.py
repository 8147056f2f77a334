# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every AWS error is explained in one place, _job.aws_error; no server needed."""

from __future__ import annotations

import botocore.exceptions
import pytest

from ansible_collections.fieldops.snowball.plugins.module_utils import _job

JOB = "JID123e4567-e89b-12d3-a456-426655440000"


def client_error(code, status=400, message="the service's words"):
    response = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return botocore.exceptions.ClientError(response, "GetJobUnlockCode")


@pytest.mark.parametrize("code,expected", [
    ("InvalidResourceException", "was not found in region eu-west-1: check the id, and that region"),
    ("InvalidJobStateException", "AWS refused GetJobUnlockCode for %s: the service's words" % JOB),
    ("AccessDeniedException", "check the credentials and that they allow snowball:GetJobUnlockCode"),
    ("UnrecognizedClientException", "(UnrecognizedClientException): check the credentials"),
    ("ExpiredTokenException", "(ExpiredTokenException): check the credentials"),
    ("ThrottlingException", "kept throttling GetJobUnlockCode (ThrottlingException) after several retries"),
    ("TooManyRequestsException", "wait a minute and run again"),
])
def test_client_errors_say_what_to_do(code, expected):
    error = _job.aws_error(client_error(code), "GetJobUnlockCode", JOB, "eu-west-1")
    assert expected in error.msg and error.facts == {"error_code": code}


def test_a_server_error_storm_says_try_later():
    error = _job.aws_error(client_error("InternalFailure", 503), "DescribeJob", JOB, "eu-west-1")
    assert "kept failing on DescribeJob (InternalFailure, HTTP 503)" in error.msg and "try again later" in error.msg


def test_an_unknown_client_error_keeps_aws_words():
    error = _job.aws_error(client_error("KMSRequestFailedException", message="key disabled"), "GetJobManifest", JOB, "r")
    assert error.msg == "GetJobManifest failed for %s: key disabled (KMSRequestFailedException)." % JOB


@pytest.mark.parametrize("error,expected", [
    (botocore.exceptions.NoCredentialsError(), "No AWS credentials were found"),
    (botocore.exceptions.NoRegionError(), "No AWS region was given"),
    (botocore.exceptions.SSLError(endpoint_url="https://x", error="bad cert"), "set aws_ca_bundle (or AWS_CA_BUNDLE)"),
    (botocore.exceptions.EndpointConnectionError(endpoint_url="https://x"), "Could not reach the Snowball API"),
    (botocore.exceptions.ConnectTimeoutError(endpoint_url="https://x"), "check the network, any proxy"),
    (botocore.exceptions.ReadTimeoutError(endpoint_url="https://x"), "(ReadTimeoutError)"),
])
def test_sdk_errors_say_what_to_do(error, expected):
    assert expected in _job.aws_error(error, "DescribeJob", JOB, "eu-west-1").msg
