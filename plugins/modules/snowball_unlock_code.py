#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: snowball_unlock_code
short_description: Fetch the unlock code of an AWS Snowball job without showing it
version_added: 0.1.0
description:
  - Verifies that the job exists, is C(WithCustomer) and is younger than 360 days, then fetches its
    29-character unlock code with C(GetJobUnlockCode).
  - The task result is censored in every callback output and log, as if the task had C(no_log=true), even
    when the playbook author forgot it. The registered variable still holds RV(unlock_code) for the next
    task. Do not pass the registered variable to M(ansible.builtin.debug) or a template, because Ansible shows
    what a later task prints.
  - With O(dest) the code is written to a private file (mode C(0600)) and is not returned at all.
author:
  - fieldops engineering (@fieldops)
options:
  job_id:
    description:
      - The Snowball job, for example C(JID123e4567-e89b-12d3-a456-426655440000).
    type: str
    required: true
  dest:
    description:
      - Write the code to this file instead of returning it. The file is created with mode C(0600) atomically;
        its directory must exist and must not be world-writable.
      - The task is C(changed) only when the file's content changes.
    type: path
  vault:
    description:
      - With O(dest), encrypt the file with Ansible Vault, using the vault secret the play was started with
        (C(--vault-id), C(--vault-password-file) or C(--ask-vault-pass)). Read it back with the
        P(ansible.builtin.unvault#lookup) lookup.
      - The encryption happens on the controller, and O(dest) is a path on the controller. Its directory is
        created with mode C(0700) if missing.
    type: bool
    default: false
  check_job_state:
    description:
      - Describe the job first and fail with an explanation unless it is C(WithCustomer) and younger than
        360 days.
      - Set to V(false) only when an earlier task of the same play verified the job, for example
        M(fieldops.snowball.snowball_manifest) (the P(fieldops.snowball.snowball_unlock#role) role does, to save an
        API call); AWS still refuses the code of a job that is not C(WithCustomer).
    type: bool
    default: true
extends_documentation_fragment:
  - fieldops.snowball.in_process
  - fieldops.snowball.aws
notes:
  - Supports check mode. With O(dest) it fetches the code to tell whether the file would change, but writes nothing.
  - The API is called at most twice (C(DescribeJob), C(GetJobUnlockCode)).
seealso:
  - module: fieldops.snowball.snowball_manifest
  - module: fieldops.snowball.snowball_edge_profile
"""

EXAMPLES = r"""
- name: Fetch the unlock code (the result is censored in the output)
  fieldops.snowball.snowball_unlock_code:
    job_id: JID123e4567-e89b-12d3-a456-426655440000
  register: snowball_code

- name: Hand it to the Snowball Edge client profile, never to debug
  fieldops.snowball.snowball_edge_profile:
    name: bench-device
    unlock_code: "{{ snowball_code.unlock_code }}"
    manifest_path: ~/.snowball/manifests/JID123e4567-e89b-12d3-a456-426655440000_manifest.bin
    endpoint: 192.0.2.10

- name: Keep the code for an offline site, encrypted with the play's vault secret
  fieldops.snowball.snowball_unlock_code:
    job_id: JID123e4567-e89b-12d3-a456-426655440000
    dest: ~/.snowball/codes/JID123e4567-e89b-12d3-a456-426655440000.vault
    vault: true
"""

RETURN = r"""
unlock_code:
  description:
    - The job's unlock code, five groups of five letters or digits joined by hyphens.
    - Censored in all output; present in the registered variable.
  returned: success, without O(dest)
  type: str
  sample: 12345-abcde-12345-ABCDE-12345
job_id:
  description: The job.
  returned: success
  type: str
  sample: JID123e4567-e89b-12d3-a456-426655440000
job_state:
  description: The job's state when it was verified.
  returned: success, when O(check_job_state=true)
  type: str
  sample: WithCustomer
dest:
  description: The file the code was written to.
  returned: success, with O(dest)
  type: str
  sample: /home/engineer/.snowball/codes/JID123e4567-e89b-12d3-a456-426655440000.code
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.fieldops.snowball.plugins.module_utils._aws_options import with_aws_options
from ansible_collections.fieldops.snowball.plugins.module_utils._context import run_module
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.plugins.module_utils._files import check_private_destination
from ansible_collections.fieldops.snowball.plugins.module_utils._files import store_private_file
from ansible_collections.fieldops.snowball.plugins.module_utils._ids import UNLOCK_CODE_PATTERN
from ansible_collections.fieldops.snowball.plugins.module_utils._jobs import SnowballJobs
from ansible_collections.fieldops.snowball.plugins.module_utils._ids import check_job_id

ARGUMENT_SPEC = dict(
    job_id=dict(type="str", required=True),
    dest=dict(type="path"),
    vault=dict(type="bool", default=False),
    check_job_state=dict(type="bool", default=True),
)
ARGUMENT_RULES = dict(required_if=[("vault", True, ("dest",))])


def run(ctx):
    """Verify the job (unless told not to), fetch its code; return it, or write it to dest."""
    params = ctx.params
    job_id = params["job_id"]
    check_job_id(job_id)
    dest = params["dest"]
    if params["vault"]:
        raise SnowballError("vault=true is handled by the collection's action plugin on the controller; call the "
                            "module as fieldops.snowball.snowball_unlock_code.")
    if dest:
        check_private_destination(dest, missing_parent_ok=ctx.check_mode)
    api = SnowballJobs(ctx)
    result = dict(changed=False, job_id=job_id)
    if params["check_job_state"]:
        result["job_state"] = api.verified(job_id)["JobState"]
    code = api.unlock_code(job_id)
    if not UNLOCK_CODE_PATTERN.match(code):
        ctx.add_secret(code)
        raise SnowballError("AWS returned an unlock code for job %s that is not of the documented form (five groups "
                            "of five letters or digits joined by hyphens); it is not shown. Run again, and contact "
                            "AWS Support if it persists." % job_id, **result)
    if not dest:
        return dict(result, unlock_code=code)  # censored by the action plugin, kept in the registered variable
    ctx.add_secret(code)  # nothing below returns it
    result["changed"] = store_private_file(dest, (code + "\n").encode(), "the unlock code", check_mode=ctx.check_mode)
    return dict(result, dest=dest)


def main():
    module = AnsibleAWSModule(argument_spec=with_aws_options(ARGUMENT_SPEC), supports_check_mode=True, **ARGUMENT_RULES)
    run_module(module, run)


if __name__ == "__main__":
    main()
