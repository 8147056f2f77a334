# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every botocore error of a Snowball call is explained in one place, _aws_errors.aws_error; no server needed."""

from __future__ import annotations

import botocore.exceptions
import botocore.parsers
import pytest

from ansible_collections.fieldops.snowball.plugins.module_utils import _aws_errors

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
    error = _aws_errors.aws_error(client_error(code), "GetJobUnlockCode", JOB, "eu-west-1")
    assert expected in error.msg and error.facts == {"error_code": code}


def test_a_server_error_storm_says_try_later():
    error = _aws_errors.aws_error(client_error("InternalFailure", 503), "DescribeJob", JOB, "eu-west-1")
    assert "kept failing on DescribeJob (InternalFailure, HTTP 503)" in error.msg and "try again later" in error.msg


def test_an_unknown_client_error_keeps_aws_words():
    error = _aws_errors.aws_error(client_error("KMSRequestFailedException", message="key disabled"), "GetJobManifest", JOB, "r")
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
    assert expected in _aws_errors.aws_error(error, "DescribeJob", JOB, "eu-west-1").msg


def test_unreadable_answer_is_explained():
    """botocore raises ResponseParserError for an answer it cannot parse at all."""
    error = _aws_errors.aws_error(botocore.parsers.ResponseParserError("Unable to parse response"), "DescribeJob",
                                  "JID1", "us-east-1")
    assert "could not be read" in error.msg and "run again" in error.msg


def test_a_refusal_keeps_the_request_id_aws_support_asks_for():
    response = {"Error": {"Code": "KMSRequestFailedException", "Message": "key disabled"},
                "ResponseMetadata": {"HTTPStatusCode": 400, "RequestId": "8d3c0a1e-5b6f-4e0a-9c7d-2f1e3b4a5c6d"}}
    error = _aws_errors.aws_error(botocore.exceptions.ClientError(response, "GetJobManifest"), "GetJobManifest",
                                  JOB, "eu-west-1")
    assert error.facts == {"error_code": "KMSRequestFailedException",
                           "request_id": "8d3c0a1e-5b6f-4e0a-9c7d-2f1e3b4a5c6d"}
    assert error.msg.startswith("GetJobManifest failed for %s: key disabled (KMSRequestFailedException)." % JOB)
    assert "AWS request id: 8d3c0a1e-5b6f-4e0a-9c7d-2f1e3b4a5c6d (quote it to AWS Support)" in error.msg


def test_an_explanation_of_the_caller_replaces_the_standard_one_and_keeps_the_request_id():
    response = {"Error": {"Code": "InvalidJobStateException", "Message": "no"},
                "ResponseMetadata": {"RequestId": "req-1"}}
    error = _aws_errors.aws_error(botocore.exceptions.ClientError(response, "GetJobUnlockCode"), "GetJobUnlockCode",
                                  JOB, "eu-west-1", explain=lambda code, message: "Said by the caller: %s %s." % (code, message))
    assert error.msg == "Said by the caller: InvalidJobStateException no. AWS request id: req-1 (quote it to AWS Support)."
    assert error.facts == {"error_code": "InvalidJobStateException", "request_id": "req-1"}
