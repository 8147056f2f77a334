# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The remote unlock's state machine against a fake Snow Device Management and a fake clock: batches, idempotence,
the wait for AWS's cached state, and what each device's failure tells the user."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.fieldops.snowball.plugins.module_utils import _remote_unlock
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.plugins.module_utils._remote_unlock import RemoteUnlock, batch_token

JOB = "JID123e4567-e89b-12d3-a456-4266554400%02d"  # a Snowball job id per device index
START = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.timezone.utc)


class FakeClock:
    def __init__(self):
        self.elapsed = 0.0
        self.sleeps = []

    def monotonic(self):
        return self.elapsed

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.elapsed += seconds

    def now(self):
        return START + datetime.timedelta(seconds=self.elapsed)


class FakeSdm:
    """Devices {id: {job, state, reached}}; each device's executions follow ``script`` (states per look, the last
    repeats; SUCCEEDED unlocks the device ``cache_lag`` looks later)."""

    region = "us-east-1"

    def __init__(self, devices, script=None, cache_lag=0):
        self.devices = devices
        self.script = script or {}
        self.cache_lag = cache_lag
        self.tasks = {}
        self.tokens = {}
        self.ended = {}  # task id -> completedAt
        self.looks = {}
        self.calls = []

    def managed_devices(self):
        self.calls.append("ListDevices")
        return [{"managedDeviceId": device_id, "associatedWithJob": device["job"]}
                for device_id, device in self.devices.items()]

    def describe_device(self, device_id):
        self.calls.append("DescribeDevice")
        device = self.devices[device_id]
        return {"deviceState": device["state"], "lastReachedOutAt": device.get("reached", START),
                "lastUpdatedAt": device.get("updated", START), "associatedWithJob": device["job"]}

    def create_unlock_task(self, targets, client_token, description):
        self.calls.append("CreateTask")
        assert 1 <= len(targets) <= 10 and description
        if client_token not in self.tokens:
            self.tokens[client_token] = "st-%d" % len(self.tasks)
            self.tasks[self.tokens[client_token]] = list(targets)
        return self.tokens[client_token]

    def open_tasks(self):
        self.calls.append("ListTasks")
        return [{"taskId": task_id, "state": "IN_PROGRESS"} for task_id in self.tasks if task_id not in self.ended]

    def describe_task(self, task_id):
        self.calls.append("DescribeTask")
        if task_id in self.ended:
            return {"state": "COMPLETED", "completedAt": self.ended[task_id]}
        return {"state": "IN_PROGRESS"}

    def executions(self, task_id):
        self.calls.append("ListExecutions")
        result = []
        for device_id in self.tasks[task_id]:
            look = self.looks[device_id] = self.looks.get(device_id, -1) + 1
            script = self.script.get(device_id, ["QUEUED", "SUCCEEDED"])
            state = script[min(look, len(script) - 1)]
            if state == "SUCCEEDED" and look - script.index("SUCCEEDED") >= self.cache_lag:
                self.devices[device_id]["state"] = "UNLOCKED"
            result.append({"managedDeviceId": device_id, "state": state})
        return result


def fleet(count, state="LOCKED"):
    return {"smd-%02d" % index: {"job": JOB % index, "state": state} for index in range(count)}


def unlock(api, warnings=None, clock=None):
    warnings = [] if warnings is None else warnings
    return RemoteUnlock(api, warnings.append, clock=clock or FakeClock())


def run(api, job_ids=None, timeout=600, poll_interval=10, check_mode=False, **options):
    remote = unlock(api, **options)
    entries = remote.find(job_ids or [device["job"] for device in api.devices.values()])
    return remote.run(entries, timeout, poll_interval, check_mode=check_mode)


def test_unlocked_devices_get_no_task_and_nothing_changes():
    api = FakeSdm(fleet(3, state="UNLOCKED"))
    result = run(api)
    assert result["changed"] is False and result["task_ids"] == []
    assert "CreateTask" not in api.calls
    assert {device["device_state"] for device in result["devices"]} == {"UNLOCKED"}


def test_twenty_three_devices_go_ten_to_a_task_and_end_unlocked():
    api = FakeSdm(fleet(23))
    result = run(api)
    assert result["changed"] is True
    assert sorted(len(targets) for targets in api.tasks.values()) == [3, 10, 10]
    assert {(device["device_state"], device["execution_state"]) for device in result["devices"]} == {("UNLOCKED", "SUCCEEDED")}
    assert [device["job_id"] for device in result["devices"]] == [JOB % index for index in range(23)]
    assert len(result["task_ids"]) == 3


def test_a_rerun_waits_on_the_queued_task_instead_of_queuing_another():
    api = FakeSdm(fleet(2), script={"smd-00": ["QUEUED"], "smd-01": ["QUEUED"]})
    with pytest.raises(SnowballError):
        run(api, timeout=30)  # the first run gives up (a crash would do the same)
    run_again = FakeSdm(api.devices, script={"smd-00": ["QUEUED", "SUCCEEDED"], "smd-01": ["QUEUED", "SUCCEEDED"]})
    run_again.tokens, run_again.tasks = api.tokens, api.tasks
    result = run(run_again)
    assert len(run_again.tasks) == 1 and result["task_ids"] == list(api.tasks)
    assert "CreateTask" not in run_again.calls


def test_a_device_still_queued_gets_no_second_task_when_the_batch_changed():
    """The first run's task unlocked one device; the other still has its execution queued. The next run, with only
    that device locked (another batch, another hour), waits on the queued execution."""
    api = FakeSdm(fleet(2), script={"smd-00": ["SUCCEEDED"], "smd-01": ["QUEUED"]})
    with pytest.raises(SnowballError):
        run(api, timeout=30)
    clock = FakeClock()
    clock.elapsed = 3600 * 5
    with pytest.raises(SnowballError) as raised:
        run(api, timeout=30, clock=clock)
    assert list(api.tasks) == ["st-0"] and raised.value.facts["task_ids"] == ["st-0"]
    assert "still QUEUED" in raised.value.msg and "within the hour" not in raised.value.msg


def test_a_found_task_that_succeeded_without_unlocking_says_to_run_again():
    """The open execution found may belong to a task that is not an unlock (a reboot): the API does not say."""
    api = FakeSdm(fleet(1), script={"smd-00": ["QUEUED"]})
    api.tasks["st-reboot"] = ["smd-00"]
    api.script["smd-00"] = ["QUEUED", "SUCCEEDED"]
    api.cache_lag = 1000
    with pytest.raises(SnowballError) as raised:
        run(api, timeout=30)
    assert "CreateTask" not in api.calls
    assert "task st-reboot, found queued for it before this run, succeeded" in raised.value.msg
    assert "If that task was not an unlock (the API does not say), run again" in raised.value.msg


def test_a_device_locked_again_many_times_gets_a_new_task_each_time():
    """Power cuts: each re-lock is reported (a newer lastUpdatedAt), so each run sends one new task, however many
    re-locks, in the same hour or not."""
    api = FakeSdm(fleet(1))
    for relock in range(1, 6):
        task_id = run(api)["task_ids"][0]
        api.ended[task_id] = START + datetime.timedelta(seconds=relock)
        api.devices["smd-00"].update(state="LOCKED", updated=START + datetime.timedelta(seconds=relock + 1))
        api.looks.clear()
    assert len(api.tasks) == 5


def test_a_device_locked_again_after_its_task_ended_gets_a_new_task():
    """A power cut before the device reported again: the batch's token returns the first unlock's ended task, and
    AWS's view of the device, refreshed since, says LOCKED; a new token, chained from that task, sends a new one."""
    api = FakeSdm(fleet(1))
    first = run(api)["task_ids"]
    api.ended[first[0]] = START - datetime.timedelta(minutes=5)
    api.devices["smd-00"]["state"] = "LOCKED"
    api.looks.clear()
    second = run(api)["task_ids"]
    assert second != first and len(api.tasks) == 2


def test_an_ended_task_that_unlocked_the_devices_is_kept_while_the_cached_view_catches_up():
    """A re-run after a crash, once the first run's task has ended: AWS's view, last refreshed before the task
    ended, still says LOCKED. The task is the right one; no second task is sent."""
    api = FakeSdm(fleet(2), script={"smd-00": ["SUCCEEDED"], "smd-01": ["SUCCEEDED"]}, cache_lag=2)
    api.tokens[batch_token({"smd-00": START, "smd-01": START})] = "st-0"
    api.tasks["st-0"] = ["smd-00", "smd-01"]
    api.ended["st-0"] = START + datetime.timedelta(seconds=30)
    result = run(api)
    assert result["task_ids"] == ["st-0"] and len(api.tasks) == 1
    assert {device["device_state"] for device in result["devices"]} == {"UNLOCKED"}


def test_an_unlocking_device_without_an_open_execution_is_watched_not_sent_a_task():
    """Its task ended before AWS's view caught up (or it is being unlocked on site): no second unlock."""
    api = FakeSdm(fleet(1, state="UNLOCKING"))
    describe = api.describe_device

    def catching_up(device_id):
        if api.calls.count("DescribeDevice") == 2:
            api.devices[device_id]["state"] = "UNLOCKED"
        return describe(device_id)

    api.describe_device = catching_up
    result = run(api)
    assert "CreateTask" not in api.calls and result["devices"][0]["device_state"] == "UNLOCKED"
    assert result["task_ids"] == []


def test_an_unlocking_device_that_never_says_unlocked_is_explained_at_the_timeout():
    api = FakeSdm(fleet(1, state="UNLOCKING"))
    with pytest.raises(SnowballError, match="UNLOCKING, with no unlock task of this run, and still UNLOCKING after 30s"):
        run(api, timeout=30)
    assert "CreateTask" not in api.calls


def test_batch_token_depends_on_the_devices_and_their_reported_state_only():
    later = START + datetime.timedelta(seconds=1)
    token = batch_token({"smd-b": START, "smd-a": START})
    assert token == batch_token({"smd-a": START, "smd-b": START})
    assert token != batch_token({"smd-a": START, "smd-b": later})
    assert token != batch_token({"smd-a": START})
    assert token != batch_token({"smd-a": START, "smd-b": START}, chained_from="st-1")
    assert 1 <= len(token) <= 64 and all("!" <= char <= "~" for char in token)


def test_a_failure_after_tasks_were_sent_names_them():
    """CreateTask refused for the second batch: the first batch's task is queued at AWS, and the failure says so."""
    api = FakeSdm(fleet(12))
    create = api.create_unlock_task

    def quota_on_second(targets, token, description):
        if api.tasks:
            raise SnowballError("AWS refused CreateTask: a Snow Device Management quota is reached.")
        return create(targets, token, description)

    api.create_unlock_task = quota_on_second
    with pytest.raises(SnowballError, match="quota is reached") as raised:
        run(api)
    assert raised.value.facts["task_ids"] == ["st-0"] and raised.value.facts["changed"] is True
    assert [device["task_id"] for device in raised.value.facts["devices"]] == ["st-0"] * 10 + [None] * 2


def test_an_unexpected_exception_after_a_task_was_sent_is_reported_with_the_task():
    class BrokenClock(FakeClock):
        def sleep(self, seconds):
            raise OverflowError("timestamp out of range for platform time_t")

    api = FakeSdm(fleet(1), script={"smd-00": ["QUEUED"]})
    with pytest.raises(SnowballError) as raised:
        run(api, clock=BrokenClock())
    assert "unexpected OverflowError" in raised.value.msg and "st-0" in raised.value.msg
    assert raised.value.facts["task_ids"] == ["st-0"] and raised.value.facts["devices"][0]["task_id"] == "st-0"


def test_a_failure_between_create_task_and_its_follow_up_names_the_task():
    api = FakeSdm(fleet(1))

    def unreadable(task_id):
        raise SnowballError("AWS answered DescribeTask without a state.")

    api.describe_task = unreadable
    with pytest.raises(SnowballError, match="without a state") as raised:
        run(api)
    assert raised.value.facts["task_ids"] == ["st-0"]


def test_job_without_managed_device_fails_with_how_to_enable_it_after_the_others_are_unlocked():
    api = FakeSdm(fleet(2))
    with pytest.raises(SnowballError) as raised:
        run(api, job_ids=[JOB % 0, JOB % 99, JOB % 1])
    error = raised.value
    assert "1 of 3 devices are not unlocked" in error.msg
    assert "%s has no managed device in region us-east-1" % (JOB % 99) in error.msg
    assert "set-features --remote-management-state INSTALLED_AUTOSTART" in error.msg
    assert [device["device_state"] for device in error.facts["devices"]] == ["UNLOCKED", None, "UNLOCKED"]
    assert error.facts["changed"] is True


def test_job_with_two_managed_devices_fails_alone_and_gets_no_task():
    api = FakeSdm({"smd-a": {"job": JOB % 0, "state": "LOCKED"}, "smd-b": {"job": JOB % 0, "state": "LOCKED"},
                   "smd-c": {"job": JOB % 1, "state": "LOCKED"}})
    with pytest.raises(SnowballError, match="2 managed devices") as raised:
        run(api, job_ids=[JOB % 0, JOB % 1])
    assert api.tasks == {"st-0": ["smd-c"]}
    assert [device["device_state"] for device in raised.value.facts["devices"]] == [None, "UNLOCKED"]


def test_a_bad_or_repeated_job_id_fails_its_own_device_and_the_others_are_unlocked():
    api = FakeSdm(fleet(3))
    typed = (JOB % 1).upper()
    with pytest.raises(SnowballError) as raised:
        run(api, job_ids=[JOB % 0, typed, JOB % 2, JOB % 2])
    devices = raised.value.facts["devices"]
    assert [device["job_id"] for device in devices] == [JOB % 0, typed, JOB % 2, JOB % 2]
    assert "msg" not in devices[0] and devices[0]["device_state"] == "UNLOCKED"
    assert "job_id must be a Snowball job id" in devices[1]["msg"] and typed in devices[1]["msg"]
    assert all("listed 2 times" in device["msg"] and device["task_id"] is None for device in devices[2:])
    assert api.tasks == {"st-0": ["smd-00"]}
    assert "3 of 4 devices are not unlocked" in raised.value.msg


def test_only_bad_job_ids_make_no_aws_call():
    api = FakeSdm(fleet(1))
    with pytest.raises(SnowballError, match="job_id must be a Snowball job id"):
        run(api, job_ids=["JID-not-a-uuid"])
    assert api.calls == []


def test_check_mode_reports_the_locked_devices_and_sends_no_task():
    api = FakeSdm(fleet(2))
    api.devices["smd-01"]["state"] = "UNLOCKED"
    result = run(api, check_mode=True)
    assert result["changed"] is True and "CreateTask" not in api.calls
    assert [device["device_state"] for device in result["devices"]] == ["LOCKED", "UNLOCKED"]


def test_stale_and_never_seen_devices_are_named_in_warnings_before_any_task():
    devices = fleet(3)
    devices["smd-00"]["reached"] = START - datetime.timedelta(hours=2)
    devices["smd-01"]["reached"] = None
    warnings = []
    run(FakeSdm(devices), warnings=warnings)
    assert len(warnings) == 2
    assert "smd-00 (job %s) last contacted AWS" % (JOB % 0) in warnings[0] and "120 minutes ago" in warnings[0]
    assert "smd-01 (job %s) last contacted AWS never" % (JOB % 1) in warnings[1]
    assert "no route to AWS in region us-east-1" in warnings[0]


@pytest.mark.parametrize("state, advice", [
    ("REJECTED", "check it in AWS OpsHub"),
    ("FAILED", "check its display"),
    ("TIMED_OUT", "no route to AWS in region us-east-1"),
    ("CANCELED", "canceled before the device ran it"),
])
def test_an_execution_that_ends_unsuccessfully_says_what_to_do_next(state, advice):
    api = FakeSdm(fleet(2), script={"smd-01": ["QUEUED", state]})
    with pytest.raises(SnowballError) as raised:
        run(api)
    failed = raised.value.facts["devices"][1]
    assert failed["execution_state"] == state and advice in failed["msg"]
    assert "unlock task st-0 ended %s" % state in failed["msg"]
    assert "msg" not in raised.value.facts["devices"][0]


def test_a_device_still_queued_at_the_timeout_is_reported_with_its_last_contact():
    clock = FakeClock()
    api = FakeSdm(fleet(1), script={"smd-00": ["QUEUED"]})
    with pytest.raises(SnowballError) as raised:
        run(api, timeout=60, poll_interval=10, clock=clock)
    assert "still QUEUED after 60s" in raised.value.msg and START.isoformat() in raised.value.msg
    assert clock.sleeps == [10] * 6


def test_waits_for_the_cached_state_after_the_execution_succeeded():
    clock = FakeClock()
    api = FakeSdm(fleet(1), script={"smd-00": ["SUCCEEDED"]}, cache_lag=2)
    result = run(api, clock=clock)
    assert result["devices"][0]["device_state"] == "UNLOCKED"
    assert len(clock.sleeps) == 2


def test_a_cache_that_never_catches_up_is_explained_at_the_timeout():
    api = FakeSdm(fleet(1), script={"smd-00": ["SUCCEEDED"]}, cache_lag=1000)
    with pytest.raises(SnowballError, match="the unlock task succeeded, but AWS's cached view still said LOCKED"):
        run(api, timeout=30)


def test_managed_device_ids_are_used_as_given_and_their_jobs_reported():
    api = FakeSdm(fleet(2))
    remote = unlock(api)
    result = remote.run(remote.find(managed_device_ids=["smd-01"]), 600, 10)
    assert "ListDevices" not in api.calls
    assert result["devices"][0]["job_id"] == JOB % 1 and result["devices"][0]["device_state"] == "UNLOCKED"


def test_real_clock_is_utc_aware():
    assert _remote_unlock.Clock.now().tzinfo is not None
