#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: snowball_edge_unlock
short_description: Unlock a Snowball Edge device or cluster and wait until it is unlocked
version_added: 0.1.0
description:
  - Asks the device for its state first; a device that is already C(UNLOCKED) is left alone (C(changed=false)).
  - Otherwise runs C(snowballEdge unlock-device) (or C(unlock-cluster)) and, with O(wait=true), polls
    C(describe-device) until every device reports C(UNLOCKED).
  - The client is run with a list of arguments, never through a shell, and with a profile, so the unlock code is
    never on any process's command line.
author:
  - fieldops engineering (@fieldops)
extends_documentation_fragment:
  - fieldops.snowball.client
options:
  profile:
    description:
      - The Snowball Edge client profile to unlock with.
      - Together with O(endpoint), O(manifest_path) and O(unlock_code), the profile is first written (created or
        updated, every other profile kept, mode C(0600)) as M(fieldops.snowball.snowball_edge_profile) does, and
        kept for later runs. This is how the P(fieldops.snowball.snowball_unlock#role) role sets up the client
        and unlocks in one step. Without them, the profile must exist already.
    type: str
  job_id:
    description: The device's job id, recorded in the profile written with O(profile) and the credentials.
    type: str
  wait:
    description: Wait until every device reports C(UNLOCKED).
    type: bool
    default: true
  timeout:
    description: How many seconds to wait for C(UNLOCKED) before failing.
    type: int
    default: 900
  poll_interval:
    description: Seconds between two C(describe-device) calls while waiting.
    type: float
    default: 10
notes:
  - Check mode reports whether the device would be unlocked and touches nothing on it; a profile is not written.
  - A device needs about 10 minutes after power-on before it can be unlocked; until then it is unreachable.
seealso:
  - module: fieldops.snowball.snowball_edge_profile
  - module: fieldops.snowball.snowball_edge_device_info
"""

EXAMPLES = r"""
- name: Unlock the device on the bench and wait for it
  fieldops.snowball.snowball_edge_unlock:
    profile: bench-device
    timeout: 1200

- name: Unlock a three-node cluster
  fieldops.snowball.snowball_edge_unlock:
    profile: rack-cluster
    cluster_ips: [192.0.2.10, 192.0.2.11, 192.0.2.12]
"""

RETURN = r"""
device_state:
  description: C(UNLOCKED) when every device is unlocked, else C(UNLOCKING) or C(LOCKED).
  returned: always
  type: str
  sample: UNLOCKED
devices:
  description: Every device, as last described.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The device id.
      type: str
    ip:
      description: The device's IP address.
      type: str
    state:
      description: C(LOCKED), C(UNLOCKING) or C(UNLOCKED).
      type: str
  sample: [{"id": "JID123e4567-e89b-12d3-a456-426655440000", "ip": "192.0.2.10", "state": "UNLOCKED"}]
elapsed:
  description: Seconds the task spent.
  returned: always
  type: float
  sample: 94.2
"""

import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.fieldops.snowball.plugins.module_utils._edge import CLIENT_ARGUMENT_RULES
from ansible_collections.fieldops.snowball.plugins.module_utils._edge import CLIENT_ARGUMENT_SPEC
from ansible_collections.fieldops.snowball.plugins.module_utils._edge import UNLOCKED
from ansible_collections.fieldops.snowball.plugins.module_utils._edge import EdgeClient
from ansible_collections.fieldops.snowball.plugins.module_utils._edge import EdgeError
from ansible_collections.fieldops.snowball.plugins.module_utils._edge import device_result
from ansible_collections.fieldops.snowball.plugins.module_utils._edge import overall_state
from ansible_collections.fieldops.snowball.plugins.module_utils._ids import job_id_problem


def main():
    module = AnsibleModule(
        argument_spec=dict(
            CLIENT_ARGUMENT_SPEC,
            job_id=dict(type="str"),
            wait=dict(type="bool", default=True),
            timeout=dict(type="int", default=900),
            poll_interval=dict(type="float", default=10),
        ),
        supports_check_mode=True,
        **CLIENT_ARGUMENT_RULES,
    )
    started = time.monotonic()
    changed = False
    if module.params["job_id"] and job_id_problem(module.params["job_id"]):
        module.fail_json(msg=job_id_problem(module.params["job_id"]))
    try:
        client = EdgeClient(module)
        with client.credentials() as credential_args:
            changed = client.profile_changed
            devices = client.describe(credential_args)
            if overall_state(devices) != UNLOCKED:
                changed = True
                if not module.check_mode:
                    if any(device["state"] == "LOCKED" for device in devices):
                        client.unlock(credential_args)
                    if module.params["wait"]:
                        devices = client.wait_unlocked(credential_args, module.params["timeout"],
                                                       module.params["poll_interval"], started)
                    else:
                        devices = client.describe(credential_args)
    except (EdgeError, OSError) as error:
        module.fail_json(msg=str(error), elapsed=round(time.monotonic() - started, 1))
    module.exit_json(changed=changed, elapsed=round(time.monotonic() - started, 1), **device_result(devices))


if __name__ == "__main__":
    main()
