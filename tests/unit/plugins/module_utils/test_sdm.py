# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Snow Device Management calls as botocore makes them (a stubbed client, no server), and what each failure
tells the user."""

from __future__ import annotations

import boto3
import botocore.exceptions
import botocore.parsers
import pytest
from botocore.stub import Stubber

from ansible_collections.fieldops.snowball.plugins.module_utils import _sdm
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError


class StubbedContext:
    region = "eu-west-1"

    def __init__(self):
        self.client = boto3.client("snow-device-management", region_name=self.region,
                                   aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret")
        self.stubber = Stubber(self.client)
        self.asked = []

    def aws_client(self, service, retry_decorator=None):
        self.asked.append((service, retry_decorator))
        return _AcceptsRetry(self.client)


class _AcceptsRetry:
    """What RetryingBotoClientWrapper gives: methods that take ``aws_retry``."""

    def __init__(self, client):
        self._client = client

    def __getattr__(self, name):
        method = getattr(self._client, name)
        if name == "get_paginator":
            return method
        return lambda aws_retry=False, **params: method(**params)


def client_error(code, status, operation="CreateTask", message="It went wrong", request_id="req-1234"):
    return botocore.exceptions.ClientError({
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status, "RequestId": request_id},
    }, operation)


def test_the_client_is_snow_device_management_with_retries():
    ctx = StubbedContext()
    _sdm.SnowDeviceManagement(ctx)
    assert ctx.asked == [("snow-device-management", _sdm.RETRY)]


def test_managed_devices_follows_every_page():
    ctx = StubbedContext()
    ctx.stubber.add_response("list_devices", {"devices": [{"managedDeviceId": "smd-1", "associatedWithJob": "JID1"}],
                                              "nextToken": "abc"}, {"maxResults": 100})
    ctx.stubber.add_response("list_devices", {"devices": [{"managedDeviceId": "smd-2", "associatedWithJob": "JID2"}]},
                             {"maxResults": 100, "nextToken": "abc"})
    with ctx.stubber:
        devices = _sdm.SnowDeviceManagement(ctx).managed_devices()
    assert [device["managedDeviceId"] for device in devices] == ["smd-1", "smd-2"]


def test_unlock_task_sends_the_unlock_command_with_the_batch_token():
    ctx = StubbedContext()
    ctx.stubber.add_response("create_task", {"taskId": "st-1", "taskArn": "arn:x"},
                             {"targets": ["smd-1", "smd-2"], "command": {"unlock": {}}, "clientToken": "token-1",
                              "description": "fieldops.snowball remote unlock"})
    with ctx.stubber:
        task = _sdm.SnowDeviceManagement(ctx).create_unlock_task(["smd-1", "smd-2"], "token-1",
                                                                 "fieldops.snowball remote unlock")
    assert task == "st-1"


def test_executions_are_listed_for_the_task():
    ctx = StubbedContext()
    ctx.stubber.add_response("list_executions", {"executions": [{"managedDeviceId": "smd-1", "state": "QUEUED"}]},
                             {"taskId": "st-1", "maxResults": 100})
    with ctx.stubber:
        assert _sdm.SnowDeviceManagement(ctx).executions("st-1") == [{"managedDeviceId": "smd-1", "state": "QUEUED"}]


def test_a_failed_call_raises_the_explained_error():
    ctx = StubbedContext()
    ctx.stubber.add_client_error("describe_device", "ResourceNotFoundException", "Device not found", 404)
    with ctx.stubber, pytest.raises(SnowballError, match="DescribeDevice for smd-9: not found in region eu-west-1"):
        _sdm.SnowDeviceManagement(ctx).describe_device("smd-9")


def test_access_denied_names_the_iam_action_and_keeps_the_request_id():
    error = _sdm.sdm_error(client_error("AccessDeniedException", 403), "CreateTask", "smd-1", "us-east-1")
    assert "snow-device-management:CreateTask" in error.msg
    assert error.facts == {"error_code": "AccessDeniedException", "request_id": "req-1234"}


@pytest.mark.parametrize("code, status, words", [
    ("ThrottlingException", 429, "kept throttling"),
    ("ServiceQuotaExceededException", 402, "quota is reached"),
    ("InternalServerException", 500, "kept failing"),
    ("ValidationException", 400, "CreateTask failed for smd-1: It went wrong (ValidationException)"),
])
def test_client_errors_say_what_to_do(code, status, words):
    assert words in _sdm.sdm_error(client_error(code, status), "CreateTask", "smd-1", "us-east-1").msg


@pytest.mark.parametrize("error, words", [
    (botocore.exceptions.NoCredentialsError(), "No AWS credentials"),
    (botocore.exceptions.NoRegionError(), "No AWS region"),
    (botocore.exceptions.EndpointConnectionError(endpoint_url="https://x"), "Could not reach the Snowball API for ListDevices"),
    (botocore.parsers.ResponseParserError("bad"), "could not be read"),
    (botocore.exceptions.SSLError(endpoint_url="https://x", error="bad"), "aws_ca_bundle"),
])
def test_other_errors_say_what_to_do(error, words):
    assert words in _sdm.sdm_error(error, "ListDevices", None, "us-east-1").msg


@pytest.mark.parametrize("operation, answer, params, call, words", [
    ("list_devices", {"devices": [{"associatedWithJob": "JID123e4567-e89b-12d3-a456-426655440000"}]},
     {"maxResults": 100}, lambda api: api.managed_devices(), "ListDevices in region eu-west-1 without managedDeviceId"),
    ("list_executions", {"executions": [{"taskId": "st-1", "state": "QUEUED"}]}, {"taskId": "st-1", "maxResults": 100},
     lambda api: api.executions("st-1"), "ListExecutions for st-1 in region eu-west-1 without managedDeviceId"),
    ("create_task", {}, None, lambda api: api.create_unlock_task(["smd-1"], "token", "unlock"),
     "CreateTask in region eu-west-1 without taskId ({}): an answer the remote unlock cannot use. The task may have "
     "been created: run again"),
])
def test_answers_without_a_member_the_model_marks_optional_are_explained(operation, answer, params, call, words):
    ctx = StubbedContext()
    ctx.stubber.add_response(operation, answer, params)
    with ctx.stubber, pytest.raises(SnowballError) as raised:
        call(_sdm.SnowDeviceManagement(ctx))
    assert words in raised.value.msg and "check endpoint_url" in raised.value.msg
