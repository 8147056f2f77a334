# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: snowball_aws_profile_name
short_description: Check the name of a device's AWS CLI profile
version_added: 0.3.0
description:
  - Returns the name as it is when M(fieldops.snowball.snowball_edge_credentials) can write an AWS CLI and SDK
    profile of that name (1 to 128 letters, digits, C(.), C(_) or C(-), starting with a letter or digit, and not
    C(default)), and fails otherwise, so a play can refuse it before it calls AWS or the client.
  - An empty name passes (it means no profile).
author:
  - fieldops engineering (@fieldops)
options:
  _input:
    description: The profile name.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Refuse a bad device profile name before anything else runs
  ansible.builtin.assert:
    that: ("snowball-bench" | fieldops.snowball.snowball_aws_profile_name) == "snowball-bench"
"""

RETURN = r"""
_value:
  description: The name, unchanged.
  type: str
  sample: snowball-bench
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.plugins.module_utils._ids import check_aws_profile_name


def snowball_aws_profile_name(value):
    if value == "":
        return value
    try:
        return check_aws_profile_name(value)
    except SnowballError as error:
        raise AnsibleFilterError("snowball_unlock_device_" + error.msg + " Nothing was called.") from None


class FilterModule:

    def filters(self):
        return {"snowball_aws_profile_name": snowball_aws_profile_name}
