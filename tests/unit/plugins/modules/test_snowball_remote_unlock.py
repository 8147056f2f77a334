# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""snowball_remote_unlock's run(ctx): what it refuses before any AWS call, and the calls it makes (a stubbed
botocore client: an unexpected call fails the test)."""

from __future__ import annotations

import datetime

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.fieldops.snowball.plugins.module_utils._context import finish
from ansible_collections.fieldops.snowball.plugins.modules import snowball_remote_unlock

JOB = "JID123e4567-e89b-12d3-a456-426655440000"
NOW = datetime.datetime.now(datetime.timezone.utc)


class Context:
    region = "us-east-1"

    def __init__(self, check_mode=False, **params):
        self.params = dict(job_ids=None, managed_device_ids=None, timeout=60, poll_interval=1, offline_after=900)
        self.params.update(params)
        self.check_mode = check_mode
        self.warnings = []
        self.secrets = set()
        self.client = boto3.client("snow-device-management", region_name=self.region,
                                   aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret")
        self.stubber = Stubber(self.client)

    def aws_client(self, service, retry_decorator=None):
        client = self.client

        class Retrying:
            def __getattr__(self, name):
                method = getattr(client, name)
                return method if name == "get_paginator" else (lambda aws_retry=False, **params: method(**params))

        return Retrying()

    def warn(self, msg):
        self.warnings.append(msg)


def with_device(ctx, state):
    ctx.stubber.add_response("list_devices", {"devices": [{"managedDeviceId": "smd-1", "associatedWithJob": JOB}]})
    ctx.stubber.add_response("describe_device", {"managedDeviceId": "smd-1", "associatedWithJob": JOB,
                                                 "deviceState": state, "lastReachedOutAt": NOW},
                             {"managedDeviceId": "smd-1"})


@pytest.mark.parametrize("params, words", [
    (dict(job_ids=["JID-not-a-uuid"]), "job_id must be a Snowball job id"),
    (dict(job_ids=[JOB, JOB]), "is listed 2 times"),
    (dict(managed_device_ids=["smd-1", "smd-1"]), "listed twice"),
    (dict(job_ids=[]), "at least one"),
    (dict(job_ids=[""]), "job_id must be a Snowball job id"),
    (dict(managed_device_ids=[""]), "managed_device_ids must hold managed device ids"),
    (dict(managed_device_ids=["smd-" + "a" * 61]), "1 to 64 letters"),
    (dict(managed_device_ids=["smd-1/../tasks"]), "managed_device_ids must hold managed device ids"),
    (dict(job_ids=[JOB], timeout=0), "timeout must be a number of seconds above 0"),
    (dict(job_ids=[JOB], timeout=86401), "at most 86400"),
    (dict(job_ids=[JOB], timeout=10 ** 301, poll_interval=1e300), "at most 86400"),
    (dict(job_ids=[JOB], poll_interval=float("nan")), "poll_interval must be a number of seconds"),
    (dict(job_ids=[JOB], poll_interval=float("inf")), "poll_interval must be a number of seconds"),
    (dict(job_ids=[JOB], poll_interval=120), "at most timeout"),
    (dict(job_ids=[JOB], offline_after=0), "offline_after must be positive"),
])
def test_bad_arguments_are_refused_before_any_aws_call(params, words):
    ctx = Context(**params)
    with ctx.stubber:  # no response queued: any call would fail differently
        result = finish(snowball_remote_unlock.run, ctx)
    assert result["failed"] and words in result["msg"]


def test_an_unlocked_device_is_left_alone():
    ctx = Context(job_ids=[JOB])
    with_device(ctx, "UNLOCKED")
    with ctx.stubber:
        result = finish(snowball_remote_unlock.run, ctx)
    ctx.stubber.assert_no_pending_responses()
    assert result["changed"] is False and result["devices"][0]["device_state"] == "UNLOCKED"
    assert result["devices"][0]["last_reached_out_at"] == NOW.isoformat()


def test_check_mode_sends_no_task_for_a_locked_device():
    ctx = Context(check_mode=True, job_ids=[JOB])
    with_device(ctx, "LOCKED")
    with ctx.stubber:  # a CreateTask would find no queued response and fail
        result = finish(snowball_remote_unlock.run, ctx)
    assert result["changed"] is True and not result.get("failed")
    assert result["devices"][0]["execution_state"] is None


def test_documentation_names_every_option():
    import yaml  # pylint: disable=import-outside-toplevel

    documented = yaml.safe_load(snowball_remote_unlock.DOCUMENTATION)["options"]
    assert set(documented) == set(snowball_remote_unlock.ARGUMENT_SPEC)
