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
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - Check mode reports whether the manifest would be downloaded, without downloading it.
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

from ansible.module_utils.urls import open_url
from ansible_collections.fieldops.snowball.plugins.module_utils._files import PrivateFileError
from ansible_collections.fieldops.snowball.plugins.module_utils._files import check_private_destination
from ansible_collections.fieldops.snowball.plugins.module_utils._files import read_bytes
from ansible_collections.fieldops.snowball.plugins.module_utils._files import replace_private_file
from ansible_collections.fieldops.snowball.plugins.module_utils._files import sha1_of
from ansible_collections.fieldops.snowball.plugins.module_utils._job import SnowballJobs
from ansible_collections.fieldops.snowball.plugins.module_utils._job import aws_module

DOWNLOAD_TIMEOUT = 60


def download(module, uri, job_id):
    """The manifest's bytes; any failure fails the task without naming the URL."""
    # The URL and its signature are bearer credentials: mask them in anything the module returns.
    module.no_log_values.add(uri)
    module.no_log_values.update(part.split("=", 1)[1] for part in uri.partition("?")[2].split("&") if "=" in part
                                and part.split("=", 1)[0].lower() in ("x-amz-signature", "signature"))
    try:
        response = open_url(uri, method="GET", timeout=DOWNLOAD_TIMEOUT, http_agent="fieldops.snowball")
        expected = response.headers.get("Content-Length")
        data = response.read()
    except Exception as error:  # pylint: disable=broad-exception-caught
        code = getattr(error, "code", None)
        reason = "HTTP %s" % code if code else type(error).__name__
        module.fail_json(msg="Downloading the manifest of job %s failed (%s); nothing was written. The presigned URL "
                             "is valid for 60 minutes: run the task again to get a fresh one." % (job_id, reason))
    if expected is not None and len(data) != int(expected):
        module.fail_json(msg="The manifest of job %s arrived truncated (%d of %s bytes); nothing was written. "
                             "Run the task again." % (job_id, len(data), expected))
    return data


def main():
    module = aws_module(
        argument_spec=dict(
            job_id=dict(type="str", required=True),
            dest=dict(type="path", required=True),
            mode=dict(type="raw", default="0600"),
            force=dict(type="bool", default=False),
        ),
    )
    job_id = module.params["job_id"]
    dest = module.params["dest"]
    try:
        check_private_destination(dest, missing_parent_ok=True)
    except PrivateFileError as error:
        module.fail_json(msg=str(error))

    api = SnowballJobs(module)
    job_state = api.verified(job_id)["JobState"]
    result = dict(changed=False, dest=dest, job_state=job_state)
    current = read_bytes(dest)

    if current is None or module.params["force"]:
        if module.check_mode:
            result["changed"] = True
            module.exit_json(**result)
        data = download(module, api.manifest_uri(job_id), job_id)
        if data != current:
            try:
                replace_private_file(dest, data, mode=0o600, create_parent=True)
            except (PrivateFileError, OSError) as error:
                module.fail_json(msg="Could not write the manifest to %s: %s" % (dest, error))
            result["changed"] = True
        current = data

    file_args = module.load_file_common_arguments(dict(path=dest, mode=module.params["mode"]))
    result["changed"] = module.set_mode_if_different(dest, file_args["mode"], result["changed"])
    result.update(checksum=sha1_of(current), size=len(current))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
