# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: snowball_job_id
short_description: Check a Snowball job id
version_added: 0.2.0
description:
  - Returns the job id as it is when it has the form of a Snowball job id (C(JID) or C(MID) followed by a
    lower-case UUID), and fails otherwise, so a play can refuse a bad job id before it builds paths or
    profile names from it, or calls AWS or the client.
author:
  - fieldops engineering (@fieldops)
options:
  _input:
    description: The job id.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Refuse a bad job id before anything else runs
  ansible.builtin.set_fact:
    job_id: "{{ 'JID123e4567-e89b-12d3-a456-426655440000' | fieldops.snowball.snowball_job_id }}"
"""

RETURN = r"""
_value:
  description: The job id, unchanged.
  type: str
  sample: JID123e4567-e89b-12d3-a456-426655440000
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.fieldops.snowball.plugins.module_utils._ids import job_id_problem


def snowball_job_id(value):
    problem = job_id_problem(value)
    if problem:
        raise AnsibleFilterError("%s Not %r." % (problem, value))
    return value


class FilterModule:

    def filters(self):
        return {"snowball_job_id": snowball_job_id}
