#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: snowball_edge_device_info
short_description: Ask a Snowball Edge device whether it is unlocked
version_added: 0.1.0
description:
  - Runs C(snowballEdge describe-device) (or C(describe-cluster)) and returns the unlock state of every device.
  - With a O(profile) that the client's config file does not hold yet, returns RV(profile_found=false) without
    running the client, so a play can tell a first run from a re-run.
author:
  - fieldops engineering (@fieldops)
extends_documentation_fragment:
  - fieldops.snowball.client
notes:
  - Read-only; supports check mode.
seealso:
  - module: fieldops.snowball.snowball_edge_unlock
"""

EXAMPLES = r"""
- name: Is the device on the bench unlocked?
  fieldops.snowball.snowball_edge_device_info:
    profile: bench-device
  register: bench_device

- name: Say so
  ansible.builtin.debug:
    msg: "The device is {{ bench_device.device_state }}"
"""

RETURN = r"""
profile_found:
  description: Whether the client's config file holds O(profile). Always true without O(profile).
  returned: always
  type: bool
  sample: true
device_state:
  description:
    - C(UNLOCKED) when every device is unlocked, else C(UNLOCKING) or C(LOCKED).
    - Null when RV(profile_found) is false.
  returned: always
  type: str
  sample: UNLOCKED
devices:
  description: Every device.
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
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.fieldops.snowball.plugins.module_utils._edge import CLIENT_ARGUMENT_RULES
from ansible_collections.fieldops.snowball.plugins.module_utils._edge import CLIENT_ARGUMENT_SPEC
from ansible_collections.fieldops.snowball.plugins.module_utils._edge import DEFAULT_CONFIG_PATH
from ansible_collections.fieldops.snowball.plugins.module_utils._edge import EdgeClient
from ansible_collections.fieldops.snowball.plugins.module_utils._edge import EdgeError
from ansible_collections.fieldops.snowball.plugins.module_utils._edge import device_result
from ansible_collections.fieldops.snowball.plugins.module_utils._edge import profile_names


def main():
    # Asking a device needs no saved profile: a profile name, or the credentials, not both.
    module = AnsibleModule(argument_spec=CLIENT_ARGUMENT_SPEC, supports_check_mode=True,
                           mutually_exclusive=[("profile", "endpoint")], **CLIENT_ARGUMENT_RULES)
    try:
        if module.params["profile"] and module.params["profile"] not in profile_names(DEFAULT_CONFIG_PATH):
            module.exit_json(changed=False, profile_found=False, device_state=None, devices=[])
        client = EdgeClient(module)
        with client.credentials() as credential_args:
            devices = client.describe(credential_args)
    except (EdgeError, OSError) as error:
        module.fail_json(msg=str(error))
    module.exit_json(changed=False, profile_found=True, **device_result(devices))


if __name__ == "__main__":
    main()
