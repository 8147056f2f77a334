#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: snowball_remote_unlock
short_description: Unlock Snowball Edge devices from the office through AWS Snow Device Management
version_added: 0.2.0
description:
  - Unlocks devices ordered with remote management (C(RemoteManagement=INSTALLED_AUTOSTART)) through AWS Snow Device
    Management, as AWS OpsHub's B(Unlock) does; no manifest or unlock code is fetched or needed, and no client runs.
  - Finds each job's managed device (C(ListDevices), in O(region) only), asks AWS for its state (C(DescribeDevice)),
    and leaves a device that is already C(UNLOCKED) alone (no task, C(changed=false)).
  - Never queues a second unlock for a device that already has one C(QUEUED) or C(IN_PROGRESS) (C(ListTasks),
    C(ListExecutions)), whichever run or tool sent it; it waits on that execution instead. A device AWS shows
    C(UNLOCKING) without one is watched, not sent a task.
  - Sends the others C(unlock) tasks (C(CreateTask)), at most ten devices per task, each with a C(clientToken)
    derived from its devices and the state they last reported, so a retried or interrupted C(CreateTask) does not
    queue a second task. Then waits, within O(timeout), for each execution to end and for AWS to report the device
    C(UNLOCKED) (AWS's view of a device is a cache the device refreshes when it reports).
  - Warns, before any task, about a device that has not contacted AWS for O(offline_after) seconds (off, or no
    route to AWS); its task may stay queued until it times out.
  - Fails, after the other devices are unlocked, when a job id is not one or is listed twice, a job has no managed
    device (ordered without remote management, or in another region) or several, or a device's task ends C(REJECTED), C(FAILED), C(TIMED_OUT) or
    C(CANCELED); each device's entry in RV(devices) says what to do next.
  - The credentials need the IAM actions C(snow-device-management:ListDevices), C(DescribeDevice), C(ListTasks),
    C(CreateTask), C(DescribeTask) and C(ListExecutions).
author:
  - fieldops engineering (@fieldops)
options:
  job_ids:
    description:
      - The devices' Snowball job ids, for example C(JID123e4567-e89b-12d3-a456-426655440000); one device each (a
        cluster's nodes have a job each).
      - Mutually exclusive with O(managed_device_ids); one of them is required.
    type: list
    elements: str
  managed_device_ids:
    description:
      - The devices' managed device ids (C(smd-...), as AWS OpsHub shows them), instead of their job ids; 1 to 64
        letters, digits, hyphens or underscores each.
    type: list
    elements: str
  timeout:
    description: Seconds to wait for every device to be C(UNLOCKED), from the start of the task; at most 86400.
    type: int
    default: 1800
  poll_interval:
    description: Seconds between two looks at the tasks' executions while waiting; above 0, at most O(timeout).
    type: float
    default: 15
  offline_after:
    description: A device that has not contacted AWS for longer than this many seconds is named in a warning.
    type: int
    default: 900
extends_documentation_fragment:
  - fieldops.snowball.in_process
  - fieldops.snowball.aws
notes:
  - Check mode finds the devices and their states and sends no task.
  - Remote management cannot be added to a device ordered without it. A device ordered with C(INSTALLED_ONLY)
    needs one local unlock, then C(snowballEdge set-features --remote-management-state INSTALLED_AUTOSTART).
  - The device must reach its AWS region; for an air-gapped site use the role's C(unlock) entry point.
  - After a remote unlock, the device's own AWS profile (M(fieldops.snowball.snowball_edge_credentials)) still needs
    the Snowball Edge client next to the device.
"""

EXAMPLES = r"""
- name: Unlock the fleet from the office
  fieldops.snowball.snowball_remote_unlock:
    job_ids:
      - JID123e4567-e89b-12d3-a456-426655440000
      - JID123e4567-e89b-12d3-a456-426655440001
    region: eu-west-1
  register: remote_unlock

- name: See which devices would get an unlock task
  fieldops.snowball.snowball_remote_unlock:
    managed_device_ids: [smd-fictqic6gcldf111]
  check_mode: true
"""

RETURN = r"""
devices:
  description: One entry per device, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    job_id:
      description: The device's job id.
      type: str
      sample: JID123e4567-e89b-12d3-a456-426655440000
    managed_device_id:
      description: The device's managed device id; null for a job without one.
      type: str
      sample: smd-fictqic6gcldf111
    device_state:
      description: C(UNLOCKED), C(LOCKED) or C(UNLOCKING), as AWS last reported it.
      type: str
      sample: UNLOCKED
    execution_state:
      description: The state of the device's unlock task execution; null when no task was sent.
      type: str
      sample: SUCCEEDED
    last_reached_out_at:
      description: When the device last contacted AWS, ISO 8601.
      type: str
      sample: "2026-12-01T09:30:00+00:00"
    task_id:
      description: The unlock task the device was part of; null when none was sent.
      type: str
      sample: st-ficthmqoc2pht111
    msg:
      description: What went wrong for this device and what to do next.
      type: str
      returned: when the device is not unlocked
task_ids:
  description: The unlock tasks sent, or found queued or running for the devices.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.fieldops.snowball.plugins.module_utils._aws_options import with_aws_options
from ansible_collections.fieldops.snowball.plugins.module_utils._context import run_module
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.plugins.module_utils._remote_unlock import RemoteUnlock
from ansible_collections.fieldops.snowball.plugins.module_utils._remote_unlock import managed_device_id_problem
from ansible_collections.fieldops.snowball.plugins.module_utils._sdm import SnowDeviceManagement

ARGUMENT_SPEC = dict(
    job_ids=dict(type="list", elements="str"),
    managed_device_ids=dict(type="list", elements="str"),
    timeout=dict(type="int", default=1800),
    poll_interval=dict(type="float", default=15),
    offline_after=dict(type="int", default=900),
)
# The longest wait a task may ask for, as snowball_edge_unlock's.
MAX_WAIT_SECONDS = 86400
ARGUMENT_RULES = dict(mutually_exclusive=[("job_ids", "managed_device_ids")],
                      required_one_of=[("job_ids", "managed_device_ids")])


def check_params(params):
    """Refuse what cannot work before any AWS call."""
    ids = params["job_ids"] or params["managed_device_ids"] or []
    if not ids:
        raise SnowballError("Give at least one job id (job_ids) or managed device id (managed_device_ids).")
    # A job id's own problem (its form, listed twice) fails only its device: RemoteUnlock.find.
    device_ids = params["managed_device_ids"] or []
    if len(set(device_ids)) != len(device_ids):
        raise SnowballError("A device is listed twice: %s."
                            % ", ".join(sorted({i for i in device_ids if device_ids.count(i) > 1})))
    for device_id in device_ids:
        problem = managed_device_id_problem(device_id)
        if problem:
            raise SnowballError(problem)
    for name in ("timeout", "poll_interval"):
        # A comparison, not math.isfinite: NaN fails it, and a huge number does not overflow (as snowball_edge_unlock).
        if not 0 < params[name] <= MAX_WAIT_SECONDS:
            raise SnowballError("%s must be a number of seconds above 0 and at most %d (a day), not %r."
                                % (name, MAX_WAIT_SECONDS, params[name]))
    if params["poll_interval"] > params["timeout"]:
        raise SnowballError("poll_interval (%r) must be at most timeout (%r)." % (params["poll_interval"], params["timeout"]))
    if params["offline_after"] <= 0:
        raise SnowballError("offline_after must be positive.")


def run(ctx):
    """Unlock the devices through Snow Device Management and report each."""
    params = ctx.params
    check_params(params)
    unlock = RemoteUnlock(SnowDeviceManagement(ctx), ctx.warn, offline_after=params["offline_after"])
    entries = unlock.find(params["job_ids"], params["managed_device_ids"])
    return unlock.run(entries, params["timeout"], params["poll_interval"], check_mode=ctx.check_mode)


def main():
    module = AnsibleAWSModule(argument_spec=with_aws_options(ARGUMENT_SPEC), supports_check_mode=True, **ARGUMENT_RULES)
    run_module(module, run)


if __name__ == "__main__":
    main()
