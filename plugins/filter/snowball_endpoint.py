# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: snowball_endpoint
short_description: Check and normalise a Snowball Edge device endpoint
version_added: 0.1.0
description:
  - Turns a device address (the IP on the device's display, a host name, or C(https://IP)) into the
    C(https://IP) form the Snowball Edge client expects.
  - Fails for anything else, such as shell metacharacters, a C(user:password@) part, a path or another port,
    so a play can refuse a bad endpoint before it calls AWS or the client.
author:
  - fieldops engineering (@fieldops)
options:
  _input:
    description: The endpoint.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Normalise the endpoint before anything else runs
  ansible.builtin.set_fact:
    device_endpoint: "{{ '192.0.2.10' | fieldops.snowball.snowball_endpoint }}"  # https://192.0.2.10
"""

RETURN = r"""
_value:
  description: The endpoint as C(https://HOST).
  type: str
  sample: https://192.0.2.10
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.fieldops.snowball.plugins.module_utils._addresses import normalize_endpoint
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError


def snowball_endpoint(value):
    try:
        return normalize_endpoint(value)
    except SnowballError as error:
        raise AnsibleFilterError(str(error)) from None


class FilterModule:

    def filters(self):
        return {"snowball_endpoint": snowball_endpoint}
