#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: snowball_edge_preflight
short_description: Check, without the unlock code, that the Snowball Edge client and the device are ready
version_added: 0.3.0
description:
  - Runs C(snowballEdge version), which contacts no device, and fails unless it prints the Snowball Edge client's
    version (a wrong O(client), such as C(/bin/true), is found before anything is fetched or written). The
    devices of one C(ansible-playbook) run ask it once for the same client file (each ask is a JVM start).
  - Opens a TCP connection to the management port 9091 of the device (and of every node in O(cluster_ips)) and
    closes it at once; nothing is sent, no client is started and no credential is used. A device that refuses the
    connection is still booting; one that does not answer is not on this network.
  - With O(wait_for_device), tries again every 5 seconds until every device answers or that many seconds passed.
options:
  endpoint:
    description: The device, as the IP address on its display or C(https://IP).
    type: str
    required: true
  cluster_ips:
    description: For a cluster, the IP addresses of every device; each one's port 9091 is tried.
    type: list
    elements: str
    default: []
  client:
    description:
      - The Snowball Edge client executable, a name looked up on E(PATH) or a path.
      - Download the client from U(https://aws.amazon.com/snowball/resources/).
    type: str
    default: snowballEdge
  wait_for_device:
    description:
      - Seconds to wait for every device to accept the connection, for a device still booting (it needs about
        10 minutes after power-on). C(0), one attempt each. At most 86400.
    type: int
    default: 0
  connect:
    description:
      - C(false) skips the TCP connections (the client's own connection is then the first contact). For a test
        bench whose simulated devices have no network address of their own.
    type: bool
    default: true
author:
  - fieldops engineering (@fieldops)
extends_documentation_fragment:
  - fieldops.snowball.in_process
notes:
  - Read-only; never reports C(changed). Supports check mode, and does the same in it.
seealso:
  - module: fieldops.snowball.snowball_edge_unlock
"""

EXAMPLES = r"""
- name: Wait up to 15 minutes for the device that was just powered on
  fieldops.snowball.snowball_edge_preflight:
    endpoint: 192.0.2.10
    client: /opt/snowball-client/bin/snowballEdge
    wait_for_device: 900
"""

RETURN = r"""
client_version:
  description: The version the client reported.
  returned: success
  type: str
  sample: 1.2.0  Build 661
answered:
  description: Each device's address and the seconds until its port 9091 accepted the connection; empty with
    O(connect=false).
  returned: success
  type: dict
  sample: {"192.0.2.10": 0.0}
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.fieldops.snowball.plugins.module_utils._addresses import check_device_ips
from ansible_collections.fieldops.snowball.plugins.module_utils._addresses import device_host
from ansible_collections.fieldops.snowball.plugins.module_utils._addresses import normalize_endpoint
from ansible_collections.fieldops.snowball.plugins.module_utils._addresses import unlock_ips
from ansible_collections.fieldops.snowball.plugins.module_utils._context import run_module
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.plugins.module_utils._preflight import client_version
from ansible_collections.fieldops.snowball.plugins.module_utils._preflight import wait_for_ports

ARGUMENT_SPEC = dict(
    endpoint=dict(type="str", required=True),
    cluster_ips=dict(type="list", elements="str", default=[]),
    client=dict(type="str", default="snowballEdge"),
    wait_for_device=dict(type="int", default=0),
    connect=dict(type="bool", default=True),
)
ARGUMENT_RULES = {}
MAX_WAIT_SECONDS = 86400


def run(ctx):
    """The client's version, then each device's port 9091 (every node of a cluster)."""
    params = ctx.params
    if not 0 <= params["wait_for_device"] <= MAX_WAIT_SECONDS:
        raise SnowballError("wait_for_device (role: snowball_unlock_wait_for_device) must be a number of seconds from "
                            "0 to %d, not %r." % (MAX_WAIT_SECONDS, params["wait_for_device"]))
    ips = unlock_ips(normalize_endpoint(params["endpoint"]), check_device_ips(params["cluster_ips"]))
    hosts = [device_host(ip) for ip in ips]
    version = client_version(ctx, params["client"])
    answered = wait_for_ports(hosts, params["wait_for_device"]) if params["connect"] else {}
    return dict(changed=False, client_version=version, answered=answered)


def main():
    run_module(AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, **ARGUMENT_RULES), run)


if __name__ == "__main__":
    main()
