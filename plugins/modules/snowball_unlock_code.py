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
  manifest_dest:
    description:
      - Also download the job's manifest to this path, as M(fieldops.snowball.snowball_manifest) does (not again
        when the file exists, atomically, mode C(0600), its directory created with mode C(0700)), with the same
        AWS client, so that one task fetches both halves of the device's credentials.
      - The P(fieldops.snowball.snowball_unlock#role) role does this to save a module run per device.
    type: path
  check_job_state:
    description:
      - Describe the job first and fail with an explanation unless it is C(WithCustomer) and younger than
        360 days.
      - Set to V(false) only when an earlier task of the same play verified the job (the
        P(fieldops.snowball.snowball_unlock#role) role does, to save an API call); AWS still refuses the code
        of a job that is not C(WithCustomer).
    type: bool
    default: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - Supports check mode. With O(dest) it fetches the code to tell whether the file would change, but writes nothing.
  - The API is called at most twice (C(DescribeJob), C(GetJobUnlockCode)), three times with O(manifest_dest)
    (C(GetJobManifest)), and the manifest is downloaded once.
  - The manifest is downloaded from its presigned AWS URL with the same O(aws_ca_bundle) and O(validate_certs) as the
    API calls.
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
    job_id: JID123e4567-e89b-12d3-a456-426655440000
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
manifest:
  description: The manifest download, with O(manifest_dest).
  returned: success, with O(manifest_dest)
  type: dict
  contains:
    dest:
      description: The manifest file.
      type: str
    changed:
      description: Whether the manifest file changed.
      type: bool
    checksum:
      description: SHA-1 of the manifest file (not in check mode before a first download).
      type: str
    size:
      description: Size of the manifest file in bytes (not in check mode before a first download).
      type: int
  sample: {"dest": "/home/engineer/.snowball/manifests/JID123e4567-e89b-12d3-a456-426655440000_manifest.bin",
           "changed": true, "checksum": "2aae6c35c94fcfb415dbe95f408b9ce91ee846ed", "size": 4096}
dest:
  description: The file the code was written to.
  returned: success, with O(dest)
  type: str
  sample: /home/engineer/.snowball/codes/JID123e4567-e89b-12d3-a456-426655440000.code
"""

from ansible_collections.fieldops.snowball.plugins.module_utils._ids import UNLOCK_CODE_PATTERN
from ansible_collections.fieldops.snowball.plugins.module_utils._job import SnowballJobs
from ansible_collections.fieldops.snowball.plugins.module_utils._job import aws_module
from ansible_collections.fieldops.snowball.plugins.module_utils._job import check_destination
from ansible_collections.fieldops.snowball.plugins.module_utils._job import store_private_file


def main():
    module = aws_module(
        argument_spec=dict(
            job_id=dict(type="str", required=True),
            dest=dict(type="path"),
            vault=dict(type="bool", default=False),
            manifest_dest=dict(type="path"),
            check_job_state=dict(type="bool", default=True),
        ),
    )
    job_id = module.params["job_id"]
    dest = module.params["dest"]
    if module.params["vault"]:
        module.fail_json(msg="vault=true is handled by the collection's action plugin on the controller; "
                             "call the module as fieldops.snowball.snowball_unlock_code.")
    if dest:
        check_destination(module, dest, missing_parent_ok=module.check_mode)
    if module.params["manifest_dest"]:
        check_destination(module, module.params["manifest_dest"], missing_parent_ok=True)  # sync_manifest creates it

    api = SnowballJobs(module)
    result = dict(changed=False, job_id=job_id)
    if module.params["check_job_state"]:
        result["job_state"] = api.verified(job_id)["JobState"]
    if module.params["manifest_dest"]:
        result["manifest"] = api.sync_manifest(job_id, module.params["manifest_dest"])
        result["changed"] = result["manifest"]["changed"]

    code = api.unlock_code(job_id)
    if not UNLOCK_CODE_PATTERN.match(code):
        module.no_log_values.add(code)
        module.fail_json(msg="AWS returned an unlock code for job %s that is not of the documented form (five groups "
                             "of five letters or digits joined by hyphens); it is not shown. Run again, and contact "
                             "AWS Support if it persists." % job_id, **result)

    if not dest:
        module.exit_json(unlock_code=code, **result)

    # Nothing below returns the code: mask it should an error message ever carry it.
    module.no_log_values.add(code)
    if store_private_file(module, dest, (code + "\n").encode(), "the unlock code"):
        result["changed"] = True
    module.exit_json(dest=dest, **result)


if __name__ == "__main__":
    main()
