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
    C(describe-device) (or C(describe-cluster)) until every device reports C(UNLOCKED).
  - A device that goes back to C(LOCKED) after the unlock (C(UNLOCKING) then C(LOCKED), or C(LOCKED) at the first
    look) refused the manifest and unlock code; the task fails at once and says what to check.
  - For a cluster, the endpoint's IP is always passed to C(unlock-cluster --device-ip-addresses) with
    O(cluster_ips) (added when left out); an IP listed twice is refused. A node that does not answer is named in a
    warning while the task waits, and in the failure when it still does not answer at O(timeout). A node that
    answers again, C(LOCKED), is unlocked with the cluster's credentials.
  - The client is run with a list of arguments, never through a shell, and with a profile, so the unlock code is
    never on any process's command line.
author:
  - fieldops engineering (@fieldops)
extends_documentation_fragment:
  - fieldops.snowball.in_process
  - fieldops.snowball.client
options:
  job_id:
    description: The device's job id, recorded in the transient profile written from O(endpoint) and the credentials.
    type: str
  wait:
    description: Wait until every device reports C(UNLOCKED).
    type: bool
    default: true
  timeout:
    description: How many seconds to wait for C(UNLOCKED) before failing. Above 0, at most 86400 (a day).
    type: int
    default: 900
  poll_interval:
    description:
      - Seconds between two C(describe-device) calls while waiting. Above 0, at most 86400.
      - Unset, the task looks on an adaptive schedule. It looks rarely while an unlock cannot have finished and
        more often once other devices of the same C(ansible-playbook) run have unlocked after about as long, with
        at most as many client runs at a time as the machine has cores (each run is a Java start), taken in the
        order asked. It never leaves more than 30 seconds between two looks. Where the run cannot be found (no
        C(/proc)), each device waits alone on the same schedule.
    type: float
notes:
  - Check mode reports whether the device would be unlocked and touches nothing on it.
  - Once the device is unlocked, it is asked for its certificate's expiry (C(describe-device-software)); a
    certificate that expires within 30 days, or has expired, is named in a warning that says what to do. While
    other devices of the run still wait for C(UNLOCKED), this check lets their looks take the client first (for
    30 seconds at most); a check that does not answer within 30 seconds is stopped, with a warning.
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
    reachability:
      description:
        - C(REACHABLE) or C(UNREACHABLE); for a cluster, as the node the client asked reports each node
          (C(describe-cluster) lists every node, also one that does not answer).
      type: str
    association:
      description:
        - A cluster node's C(ClusterAssociation.State) (C(ASSOCIATED), C(ASSOCIATING), C(DISASSOCIATED) or
          C(DISASSOCIATING)); null for a stand-alone device.
      type: str
  sample: [{"id": "JID123e4567-e89b-12d3-a456-426655440000", "ip": "192.0.2.10", "state": "UNLOCKED",
            "reachability": "REACHABLE", "association": null}]
elapsed:
  description: Seconds the task spent.
  returned: always
  type: float
  sample: 94.2
"""

import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.fieldops.snowball.plugins.module_utils._addresses import device_host
from ansible_collections.fieldops.snowball.plugins.module_utils._client import CLIENT_ARGUMENT_RULES
from ansible_collections.fieldops.snowball.plugins.module_utils._client import CLIENT_ARGUMENT_SPEC
from ansible_collections.fieldops.snowball.plugins.module_utils._client import LOCKED
from ansible_collections.fieldops.snowball.plugins.module_utils._client import UNLOCKED
from ansible_collections.fieldops.snowball.plugins.module_utils._client import EdgeClient
from ansible_collections.fieldops.snowball.plugins.module_utils._client import device_result
from ansible_collections.fieldops.snowball.plugins.module_utils._client import manifest_failure
from ansible_collections.fieldops.snowball.plugins.module_utils._client import overall_state
from ansible_collections.fieldops.snowball.plugins.module_utils._context import run_module
from ansible_collections.fieldops.snowball.plugins.module_utils._device_credentials import certificate_warning
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.plugins.module_utils._ids import check_job_id
from ansible_collections.fieldops.snowball.plugins.module_utils._unlock import Unlocker

ARGUMENT_SPEC = dict(
    CLIENT_ARGUMENT_SPEC,
    job_id=dict(type="str"),
    wait=dict(type="bool", default=True),
    timeout=dict(type="int", default=900),
    poll_interval=dict(type="float"),
)
ARGUMENT_RULES = CLIENT_ARGUMENT_RULES
MAX_WAIT_SECONDS = 86400


def run(ctx):
    """Unlock unless every device is unlocked already, then wait for UNLOCKED."""
    started = time.monotonic()
    params = ctx.params
    if params["job_id"]:
        check_job_id(params["job_id"])
    for name in ("timeout", "poll_interval"):
        # A comparison, not math.isfinite: NaN fails it, and a huge int does not overflow. No poll_interval: adaptive.
        if params[name] is not None and not 0 < params[name] <= MAX_WAIT_SECONDS:
            raise SnowballError("%s must be a number of seconds above 0 and at most %d (a day), not %r."
                                % (name, MAX_WAIT_SECONDS, params[name]))
    client = EdgeClient(ctx)
    client.deadline = started + params["timeout"]  # no client run outlasts the task's own timeout
    changed = False
    try:
        with client.session():
            if params["wait"] and params["poll_interval"] is None and not ctx.check_mode:
                client.join_run()  # the adaptive wait: at most a client start per core across the run's devices
            unlocker = Unlocker(client)
            devices = unlocker.describe()
            if overall_state(devices) != UNLOCKED:
                changed = True
                if not ctx.check_mode:
                    if any(device["state"] == LOCKED for device in devices):
                        unlocker.unlock(devices)
                    if params["wait"]:
                        devices = unlocker.wait_unlocked(params["timeout"], params["poll_interval"], started, devices)
                    else:
                        devices = unlocker.describe()
            if overall_state(devices) == UNLOCKED and not ctx.check_mode:
                _warn_certificates(client)
    except SnowballError as error:
        error.facts.update(changed=changed, elapsed=round(time.monotonic() - started, 1))
        raise manifest_failure(error, params) from None
    return dict(changed=changed, elapsed=round(time.monotonic() - started, 1), **device_result(devices))


def _warn_certificates(client):
    """A certificate that runs out within 30 days is named once the device (each node) answers UNLOCKED."""
    for endpoint in ["https://" + device_host(ip) for ip in client.device_ips] if client.device_ips else [None]:
        warning = certificate_warning(client, endpoint)
        if warning:
            client.ctx.warn(warning)


def main():
    run_module(AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, **ARGUMENT_RULES), run)


if __name__ == "__main__":
    main()
