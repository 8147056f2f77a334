#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: snowball_edge_profile
short_description: Set up a Snowball Edge client profile
version_added: 0.1.0
description:
  - Writes, updates or removes one profile in the Snowball Edge client's config file, the file that
    C(snowballEdge configure) and AWS OpsHub write, so that the client finds the device's endpoint, manifest
    and unlock code by profile name and the code never appears on a command line.
  - Every other profile in the file is kept. The file is written atomically and ends up with mode C(0600). A
    missing directory is created with mode C(0700); an existing one keeps its mode, and a world-writable one or a
    symbolic link is refused.
  - A config file that is not valid JSON fails the task and is left untouched.
  - An unlock code that is not of the documented form, or a manifest that does not exist, is refused before
    anything is written, so a working profile is never replaced with a broken one.
  - With O(state=present) and none of O(endpoint), O(manifest_path) and O(unlock_code), keeps an existing profile
    as it is and only makes the config file private, for a re-run against a device that is unlocked already (no
    credentials needed). It sets the file to mode C(0600) (C(changed) only when its mode changes) and refuses one
    that is a symbolic link or in a world-writable directory. When the profile does not exist, the task fails and
    says which options create it.
author:
  - fieldops engineering (@fieldops)
extends_documentation_fragment:
  - fieldops.snowball.in_process
options:
  name:
    description: The profile name, as given to C(snowballEdge --profile).
    type: str
    required: true
  state:
    description: Whether the profile should exist.
    type: str
    choices: [present, absent]
    default: present
  job_id:
    description:
      - The device's Snowball job, recorded in the profile as OpsHub does.
      - With O(state=absent), the profile is removed only when it was saved for this job; a profile of another job
        (or without one) is kept, with a warning.
    type: str
  unlock_code:
    description:
      - The job's unlock code, as returned by M(fieldops.snowball.snowball_unlock_code).
      - With O(state=present), O(endpoint), O(manifest_path) and O(unlock_code) write the profile, so they go
        together; without any of them, an existing profile is kept and its file made private.
      - Never shown; masked in C(--diff) output.
    type: str
  manifest_path:
    description: The job's manifest file. Writes the profile, with O(endpoint) and O(unlock_code).
    type: path
  endpoint:
    description:
      - The device, as its IP address (shown on its display) or C(https://IP). Writes the profile, with
        O(manifest_path) and O(unlock_code).
      - With O(state=absent), the profile is removed only when it was saved for this endpoint; a profile of another
        device is kept, with a warning.
    type: str
  cluster_ips:
    description: For a cluster, the IP addresses of every device; the profile is then marked as a cluster profile.
    type: list
    elements: str
  config_path:
    description:
      - The client's config file. The client reads only C(HOME/.aws/snowball/config/snowball-edge.config), so
        another path must end that way.
      - Default, the client's own config file, C(.aws/snowball/config/snowball-edge.config) under the home directory
        the client uses. The client is a Java program, and its home is Java's C(user.home), found as the client finds
        it, that is the last C(-Duser.home=) in E(JAVA_TOOL_OPTIONS) and then E(_JAVA_OPTIONS) (read last, so it wins),
        else the home directory of the user in the password database (C(getent passwd USER)), not E(HOME). When
        E(HOME) is another directory, the module warns.
      - Set it when the client runs with another home, for example after C(sudo) without C(-H), in a container, or
        for a second client install; then the modules point the client at that home with
        C(JAVA_TOOL_OPTIONS=-Duser.home=HOME) (and E(_JAVA_OPTIONS) when that is set).
    type: path
notes:
  - Supports check mode and C(--diff); the unlock code is masked in the diff.
seealso:
  - module: fieldops.snowball.snowball_unlock_code
  - module: fieldops.snowball.snowball_edge_unlock
"""

EXAMPLES = r"""
- name: Write the client profile for the device on the bench
  fieldops.snowball.snowball_edge_profile:
    name: bench-device
    job_id: JID123e4567-e89b-12d3-a456-426655440000
    unlock_code: "{{ snowball_code.unlock_code }}"
    manifest_path: ~/.snowball/manifests/JID123e4567-e89b-12d3-a456-426655440000_manifest.bin
    endpoint: 192.0.2.10

- name: On a re-run against an unlocked device, keep the profile and make its file private (no credentials)
  fieldops.snowball.snowball_edge_profile:
    name: bench-device

- name: Remove the profile, and the unlock code with it, if it is still the one of this job and device
  fieldops.snowball.snowball_edge_profile:
    name: bench-device
    job_id: JID123e4567-e89b-12d3-a456-426655440000
    endpoint: 192.0.2.10
    state: absent
"""

RETURN = r"""
config_path:
  description: The client's config file.
  returned: always
  type: str
  sample: /home/engineer/.aws/snowball/config/snowball-edge.config
profile:
  description: The profile's name.
  returned: always
  type: str
  sample: bench-device
endpoint:
  description: The device endpoint written to the profile.
  returned: with O(state=present) and O(endpoint)
  type: str
  sample: https://192.0.2.10
"""

import json

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.fieldops.snowball.plugins.module_utils._addresses import check_device_ips
from ansible_collections.fieldops.snowball.plugins.module_utils._addresses import normalize_endpoint
from ansible_collections.fieldops.snowball.plugins.module_utils._client_config import ProfileStore
from ansible_collections.fieldops.snowball.plugins.module_utils._client_config import client_profile
from ansible_collections.fieldops.snowball.plugins.module_utils._context import run_module
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.plugins.module_utils._context import MASK
from ansible_collections.fieldops.snowball.plugins.module_utils._ids import check_job_id

ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    job_id=dict(type="str"),
    unlock_code=dict(type="str", no_log=True),
    manifest_path=dict(type="path"),
    endpoint=dict(type="str"),
    cluster_ips=dict(type="list", elements="str"),
    config_path=dict(type="path"),  # None: the client's own file, resolved in _profiles (not $HOME's)
)
# With state=present, all three write the profile and none of them keeps an existing one (see keep_private):
# AnsibleModule has no rule for "all or none, only when state=present", so run() checks it.
ARGUMENT_RULES = {}
_CREDENTIALS = ("endpoint", "manifest_path", "unlock_code")
_WRITES = _CREDENTIALS + ("job_id", "cluster_ips")


def masked(profile, other):
    """The profile as --diff shows it: the code masked, and marked when it differs."""
    if profile is None:
        return ""
    shown = dict(profile)
    if "unlockCode" in shown:
        changed = other is not None and other.get("unlockCode") != profile.get("unlockCode")
        shown["unlockCode"] = MASK + (" (changed)" if changed else "")
    return json.dumps(shown, indent=2, sort_keys=True) + "\n"


def keep_private(store, params):
    """state=present without credentials: the profile stays as it is, and its file is made private (0600),
    for a re-run against a device that is unlocked already. True when the mode changed."""
    given = [name for name in _WRITES if params[name]]
    if given:
        raise SnowballError("%s only go into a profile being written: give endpoint, manifest_path and unlock_code "
                            "with them, or leave them out to keep profile %s as it is."
                            % (", ".join(given), params["name"]))
    store.check_location()
    if store.get(params["name"]) is None:
        raise SnowballError("Profile %s is not in %s: give endpoint, manifest_path and unlock_code (and job_id) to "
                            "create it." % (params["name"], store.path), path=store.path)
    return store.keep_private()


def saved_elsewhere(profile, params):
    """What the saved ``profile`` names instead of the O(job_id) and O(endpoint) given: for state=absent, a
    profile of another job or device (another device's code, which may not be rebuilt on an offline site) stays."""
    if not isinstance(profile, dict):
        return ["a damaged entry (not a JSON object)"] if params["job_id"] or params["endpoint"] else []
    differences = []
    if params["job_id"]:
        check_job_id(params["job_id"])
        if profile.get("jobId") != params["job_id"]:
            differences.append("job %s instead of %s" % (profile.get("jobId") or "(none)", params["job_id"]))
    if params["endpoint"]:
        wanted, saved = normalize_endpoint(params["endpoint"]), profile.get("defaultEndpoint")
        try:
            saved = normalize_endpoint(saved) if isinstance(saved, str) and saved else saved
        except SnowballError:
            pass  # not an endpoint at all: it differs
        if saved != wanted:
            differences.append("endpoint %s instead of %s" % (saved or "(none)", wanted))
    return differences


def run(ctx):
    """Write or remove one profile of the client's config file, or keep one and make its file private."""
    params = ctx.params
    store = ProfileStore(params["config_path"], check_mode=ctx.check_mode)
    if store.warning:
        ctx.warn(store.warning)
    result = dict(changed=False, config_path=store.path, profile=params["name"])
    # An empty value is given, not missing: an empty code (a skipped fetch) is refused as a code, so a working
    # profile is never read as one to keep or replaced.
    missing = [name for name in _CREDENTIALS if params[name] is None]
    if params["state"] == "present" and missing and len(missing) < len(_CREDENTIALS):
        raise SnowballError("%s missing: endpoint, manifest_path and unlock_code write the profile together (give "
                            "none of them to keep an existing profile as it is)." % ", ".join(missing))
    if params["state"] == "present" and missing:
        result["changed"] = keep_private(store, params)
        if result["changed"]:
            ctx.warn("%s was readable by other users; its mode is now 0600 (it holds unlock codes)." % store.path)
        return result
    profile = None
    if params["state"] == "present":
        if params["job_id"]:
            check_job_id(params["job_id"])
        result["endpoint"] = normalize_endpoint(params["endpoint"])
        profile = client_profile(params["name"], params["job_id"], params["unlock_code"], params["manifest_path"],
                                 result["endpoint"], check_device_ips(params["cluster_ips"]))
    differences = []
    if profile is None:
        if params["endpoint"]:
            normalize_endpoint(params["endpoint"])  # a bad guard is refused, not read as "another device"
        if params["job_id"]:
            check_job_id(params["job_id"])

    def kept(before):
        differences.extend(saved_elsewhere(before, params) if profile is None else [])
        return bool(differences)

    result["changed"], before, after = store.put(params["name"], profile, unless=kept)
    if differences:
        ctx.warn("Profile %s in %s was kept: it was saved for %s, so it is not this device's to remove. Remove it "
                 "yourself (fieldops.snowball.snowball_edge_profile with state: absent and no job_id or endpoint) if "
                 "it is no longer used." % (params["name"], store.path, ", ".join(differences)))
    if ctx.diff:
        header = "%s: %s" % (store.path, params["name"])
        result["diff"] = dict(before_header=header, after_header=header,
                              before=masked(before, after), after=masked(after, before))
    return result


def main():
    run_module(AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, **ARGUMENT_RULES), run)


if __name__ == "__main__":
    main()
