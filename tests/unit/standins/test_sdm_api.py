# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Snow Device Management stand-in must be as strict as AWS and move executions as documented, or the remote
unlock tests prove nothing. Time is the test's own clock: nothing here sleeps."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import boto3
import botocore.config
import botocore.exceptions
import pytest

from ansible_collections.fieldops.snowball.tests.standins import sdm_api
from ansible_collections.fieldops.snowball.tests.standins.sdm_world import SdmWorld
from ansible_collections.fieldops.snowball.tests.standins.snowball_api import ACCESS_KEY, REGION, SECRET_KEY

JOB = "JID123e4567-e89b-12d3-a456-426655440000"


class FakeClock:
    def __init__(self):
        self.now = 1_800_000_000.0

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def server(clock):
    server = sdm_api.SdmServer(SdmWorld(clock=clock, execution_timeout=60)).start()
    yield server
    server.stop()


def client(server, secret=SECRET_KEY, region=REGION, validate=True):
    return boto3.client("snow-device-management", region_name=region, endpoint_url=server.endpoint_url,
                        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=secret,
                        config=botocore.config.Config(parameter_validation=validate, retries={"total_max_attempts": 1}))


def error_code(raised):
    return raised.value.response["Error"]["Code"], raised.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_wrong_signature_is_rejected(server):
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        client(server, secret="wrong").list_devices()
    assert error_code(raised) == ("InvalidSignatureException", 403)


def test_unsigned_request_is_rejected(server):
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(server.endpoint_url + "/managed-devices")
    assert raised.value.code == 403
    assert raised.value.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert json.loads(raised.value.read())["message"]


def test_requests_are_validated_against_the_model(server):
    """botocore's own validation off: the stand-in still refuses eleven targets (TargetList max 10) and an
    unknown command member, as AWS's ValidationException (HTTP 400) does."""
    ids = [server.world.add_device(JOB) for _index in range(11)]
    api = client(server, validate=False)
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        api.create_task(targets=ids, command={"unlock": {}})
    assert error_code(raised) == ("ValidationException", 400)
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        api.list_executions(taskId="")
    assert error_code(raised) == ("ValidationException", 400)


def test_list_devices_is_paginated_filtered_by_job_and_limited_to_the_signed_region(server):
    for index in range(12):
        server.world.add_device("JID%011d-e89b-12d3-a456-426655440000" % index)
    elsewhere = server.world.add_device(JOB, region="eu-west-1")
    api = client(server)
    first = api.list_devices()
    assert len(first["devices"]) == sdm_api.PAGE_SIZE and first["nextToken"]
    every = api.get_paginator("list_devices").paginate().build_full_result()["devices"]
    assert len(every) == 12 and elsewhere not in {device["managedDeviceId"] for device in every}
    assert api.list_devices(jobId=JOB)["devices"] == []
    assert [device["managedDeviceId"] for device in client(server, region="eu-west-1").list_devices(jobId=JOB)["devices"]] \
        == [elsewhere]


def test_unlock_moves_through_queued_in_progress_succeeded_and_the_cache_lags(server, clock):
    device = server.world.add_device(JOB, contact_interval=10, unlock_seconds=20, cache_lag=5)
    api = client(server)
    clock.advance(3)
    task = api.create_task(targets=[device], command={"unlock": {}})["taskId"]

    def execution():
        return api.describe_execution(taskId=task, managedDeviceId=device)["state"]

    assert execution() == "QUEUED" and api.describe_task(taskId=task)["state"] == "IN_PROGRESS"
    clock.advance(7)  # the device's next contact picks the task up
    assert execution() == "IN_PROGRESS"
    clock.advance(20)
    assert execution() == "SUCCEEDED" and api.describe_task(taskId=task)["state"] == "COMPLETED"
    described = api.describe_device(managedDeviceId=device)
    assert described["deviceState"] != "UNLOCKED"  # AWS's cache has not caught up yet
    assert described["lastReachedOutAt"] > described["lastUpdatedAt"]
    clock.advance(10)
    assert api.describe_device(managedDeviceId=device)["deviceState"] == "UNLOCKED"


def test_client_token_returns_the_same_task_and_refuses_other_details(server):
    first, second = server.world.add_device(JOB), server.world.add_device(JOB)
    api = client(server)
    task = api.create_task(targets=[first], command={"unlock": {}}, clientToken="batch-1")["taskId"]
    assert api.create_task(targets=[first], command={"unlock": {}}, clientToken="batch-1")["taskId"] == task
    assert len(server.world.tasks) == 1
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        api.create_task(targets=[second], command={"unlock": {}}, clientToken="batch-1")
    assert error_code(raised) == ("ValidationException", 400)


def test_rejecting_device_and_device_never_reporting(server, clock):
    rejecting = server.world.add_device(JOB, outcome="REJECTED", contact_interval=1)
    silent = server.world.add_device(JOB, last_contact_age=3600)
    api = client(server)
    task = api.create_task(targets=[rejecting, silent], command={"unlock": {}})["taskId"]
    clock.advance(1)
    states = {entry["managedDeviceId"]: entry["state"] for entry in api.list_executions(taskId=task)["executions"]}
    assert states == {rejecting: "REJECTED", silent: "QUEUED"}
    assert api.describe_device(managedDeviceId=silent)["lastReachedOutAt"].timestamp() == pytest.approx(clock.now - 3601)
    clock.advance(60)
    assert api.describe_execution(taskId=task, managedDeviceId=silent)["state"] == "TIMED_OUT"
    assert api.describe_device(managedDeviceId=rejecting)["deviceState"] == "LOCKED"


def test_cancel_only_while_every_execution_is_queued(server, clock):
    device = server.world.add_device(JOB, contact_interval=10)
    api = client(server)
    clock.advance(1)
    queued = api.create_task(targets=[device], command={"unlock": {}})["taskId"]
    api.cancel_task(taskId=queued)
    assert api.describe_task(taskId=queued)["state"] == "CANCELED"
    running = api.create_task(targets=[device], command={"unlock": {}})["taskId"]
    clock.advance(10)
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        api.cancel_task(taskId=running)
    assert error_code(raised) == ("ValidationException", 400)


def test_a_relocked_device_is_locked_until_a_new_task_unlocks_it(server, clock):
    device = server.world.add_device(JOB, contact_interval=1, unlock_seconds=1)
    api = client(server)
    api.create_task(targets=[device], command={"unlock": {}})
    clock.advance(2)
    assert api.describe_device(managedDeviceId=device)["deviceState"] == "UNLOCKED"
    server.world.relock(device)
    clock.advance(1)
    assert api.describe_device(managedDeviceId=device)["deviceState"] == "LOCKED"


@pytest.mark.parametrize("fault, code, status", [
    ("throttle_next", "ThrottlingException", 429),
    ("server_error_next", "InternalServerException", 500),
    ("quota_next", "ServiceQuotaExceededException", 402),
])
def test_faults_have_the_model_error_and_status(server, fault, code, status):
    device = server.world.add_device(JOB)
    setattr(server.world.faults, fault, 1)
    api = client(server)
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        api.create_task(targets=[device], command={"unlock": {}})
    assert error_code(raised) == (code, status)
    assert api.create_task(targets=[device], command={"unlock": {}})["taskId"]


def test_denied_operation_answers_access_denied(server):
    server.world.faults.denied = {"ListDevices"}
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        client(server).list_devices()
    assert error_code(raised) == ("AccessDeniedException", 403)


def test_unknown_device_and_task_are_not_found(server):
    api = client(server)
    for call in (lambda: api.describe_device(managedDeviceId="smd-unknown"),
                 lambda: api.describe_task(taskId="st-unknown"),
                 lambda: api.create_task(targets=["smd-unknown"], command={"unlock": {}})):
        with pytest.raises(botocore.exceptions.ClientError) as raised:
            call()
        assert error_code(raised) == ("ResourceNotFoundException", 404)


def test_documented_describe_device_example_fits_the_model():
    """The developer guide's describe-device output (sdm-cli-describe-device.md), minus its capacity and network
    lists, passes the stand-in's own output check: the two sides read the model alike."""
    example = {"associatedWithJob": "JID2bf11d5a-ea1e-414a-b5b1-3bf7e6a6e111", "deviceState": "UNLOCKED",
               "deviceType": "SNC1_HDD", "lastReachedOutAt": 1627075316.12, "lastUpdatedAt": 1627075316.12,
               "managedDeviceId": "smd-fictqic6gcldf111", "tags": {"Project": "PrototypeA"},
               "managedDeviceArn": "arn:aws:snow-device-management:us-west-2:000000000000:managed-device/smd-fictqic6gcldf111"}
    sdm_api.check_shape(sdm_api.MODEL.operation_model("DescribeDevice").output_shape, example, "DescribeDevice")
    with pytest.raises(AssertionError):
        sdm_api.check_shape(sdm_api.MODEL.operation_model("DescribeDevice").output_shape,
                            dict(example, deviceState="ONLINE"), "DescribeDevice")


def test_a_device_back_on_line_takes_its_queued_task_at_its_next_contact(server, clock):
    device = server.world.add_device(JOB, contact_interval=600, cache_lag=3)
    api = client(server)
    clock.advance(1)
    task = api.create_task(targets=[device], command={"unlock": {}})["taskId"]
    clock.advance(10)
    assert api.describe_execution(taskId=task, managedDeviceId=device)["state"] == "QUEUED"
    server.world.set_online(device, contact_interval=1)
    clock.advance(0.5)
    assert api.describe_execution(taskId=task, managedDeviceId=device)["state"] == "IN_PROGRESS"
    clock.advance(1)
    assert api.describe_task(taskId=task)["state"] == "COMPLETED"
    assert api.describe_device(managedDeviceId=device)["deviceState"] == "LOCKED"  # the cache lags 3 s
    clock.advance(3)
    assert api.describe_device(managedDeviceId=device)["deviceState"] == "UNLOCKED"


def test_list_tasks_filters_by_state_is_paginated_and_limited_to_the_signed_region(server, clock):
    online = server.world.add_device(JOB, contact_interval=10, unlock_seconds=1)
    offline = server.world.add_device(JOB, last_contact_age=None)
    elsewhere = server.world.add_device(JOB, region="eu-west-1")
    api = client(server)
    done = api.create_task(targets=[online], command={"unlock": {}})["taskId"]
    clock.advance(20)
    queued = [api.create_task(targets=[offline], command={"unlock": {}}, clientToken="t%d" % index)["taskId"]
              for index in range(sdm_api.PAGE_SIZE + 1)]
    client(server, region="eu-west-1").create_task(targets=[elsewhere], command={"unlock": {}})
    first = api.list_tasks(state="IN_PROGRESS")
    assert len(first["tasks"]) == sdm_api.PAGE_SIZE and first["nextToken"]
    in_progress = api.get_paginator("list_tasks").paginate(state="IN_PROGRESS").build_full_result()["tasks"]
    assert [task["taskId"] for task in in_progress] == queued
    assert {task["state"] for task in in_progress} == {"IN_PROGRESS"} and "targets" not in in_progress[0]
    assert [task["taskId"] for task in api.list_tasks(state="COMPLETED")["tasks"]] == [done]
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        client(server, validate=False).list_tasks(state="QUEUED")  # an execution state, not a task state
    assert error_code(raised) == ("ValidationException", 400)
