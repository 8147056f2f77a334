#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: snowball_manifest
short_description: Download the encrypted manifest of an AWS Snowball job
version_added: 0.1.0
description:
  - Verifies that the job is C(WithCustomer) and younger than 360 days, then downloads its encrypted
    manifest from the presigned URL that C(GetJobManifest) returns.
  - The download is atomic, like M(ansible.builtin.get_url) does it; a failed or truncated download leaves
    no partial file and the previous file untouched.
  - The presigned URL is a bearer credential for 60 minutes; it never appears in the output, in errors or in logs.
  - Like M(ansible.builtin.get_url), an existing O(dest) is not downloaded again unless O(force=true).
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
      - Where to write the manifest. A missing directory is created with mode C(0700); an existing one must not
        be world-writable or a symbolic link.
    type: path
    required: true
  mode:
    description:
      - The permissions of O(dest), as for M(ansible.builtin.file).
      - The manifest is half of what opens the device; keep it private.
    type: raw
    default: "0600"
  force:
    description:
      - Download again even when O(dest) exists. The file is replaced only when the content differs.
    type: bool
    default: false
extends_documentation_fragment:
  - fieldops.snowball.in_process
  - fieldops.snowball.aws
notes:
  - Check mode reports whether the manifest would be downloaded, without downloading it.
  - The manifest is downloaded from its presigned AWS URL with the same O(aws_ca_bundle) and O(validate_certs) as the
    API calls.
seealso:
  - module: fieldops.snowball.snowball_unlock_code
  - module: fieldops.snowball.snowball_edge_profile
"""

EXAMPLES = r"""
- name: Download the manifest of the device on the bench
  fieldops.snowball.snowball_manifest:
    job_id: JID123e4567-e89b-12d3-a456-426655440000
    dest: ~/.snowball/manifests/JID123e4567-e89b-12d3-a456-426655440000_manifest.bin
"""

RETURN = r"""
dest:
  description: The manifest file.
  returned: always
  type: str
  sample: /home/engineer/.snowball/manifests/JID123e4567-e89b-12d3-a456-426655440000_manifest.bin
checksum:
  description: SHA-1 of the manifest file.
  returned: when the file exists
  type: str
  sample: 2aae6c35c94fcfb415dbe95f408b9ce91ee846ed
size:
  description: Size of the manifest file in bytes.
  returned: when the file exists
  type: int
  sample: 4096
job_state:
  description: The state of the job when it was verified.
  returned: always
  type: str
  sample: WithCustomer
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.fieldops.snowball.plugins.module_utils._aws_options import with_aws_options
from ansible_collections.fieldops.snowball.plugins.module_utils._context import run_module
from ansible_collections.fieldops.snowball.plugins.module_utils._files import check_private_destination
from ansible_collections.fieldops.snowball.plugins.module_utils._files import resolve_mode
from ansible_collections.fieldops.snowball.plugins.module_utils._jobs import SnowballJobs
from ansible_collections.fieldops.snowball.plugins.module_utils._ids import check_job_id
from ansible_collections.fieldops.snowball.plugins.module_utils._manifest import ManifestDownload

ARGUMENT_SPEC = dict(
    job_id=dict(type="str", required=True),
    dest=dict(type="path", required=True),
    mode=dict(type="raw", default="0600"),
    force=dict(type="bool", default=False),
)
ARGUMENT_RULES = {}


def run(ctx):
    """Verify the job, then download its manifest to dest unless it is there already."""
    params = ctx.params
    check_job_id(params["job_id"])
    check_private_destination(params["dest"], missing_parent_ok=True)  # sync_manifest creates it
    resolve_mode(params["mode"])  # a bad mode is refused before any call
    api = SnowballJobs(ctx)
    job_state = api.verified(params["job_id"])["JobState"]
    result = ManifestDownload(ctx, api).sync(params["job_id"], params["dest"], force=params["force"],
                                             mode=params["mode"])
    return dict(result, job_state=job_state)


def main():
    module = AnsibleAWSModule(argument_spec=with_aws_options(ARGUMENT_SPEC), supports_check_mode=True, **ARGUMENT_RULES)
    run_module(module, run)


if __name__ == "__main__":
    main()
