#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: snowball_job_info
short_description: Describe AWS Snowball jobs
version_added: 0.1.0
description:
  - Describes one Snowball job, every job of the account in the region, or the jobs of a cluster.
  - Read-only; the job's manifest and unlock code are never fetched.
author:
  - fieldops engineering (@fieldops)
options:
  job_id:
    description:
      - The job to describe, for example C(JID123e4567-e89b-12d3-a456-426655440000).
      - Mutually exclusive with O(cluster_id).
    type: str
  cluster_id:
    description:
      - Describe the jobs of this cluster, for example C(CID123e4567-e89b-12d3-a456-426655440000).
      - Mutually exclusive with O(job_id).
    type: str
  states:
    description:
      - Keep only the jobs in these states. Ignored with O(job_id).
    type: list
    elements: str
    choices: [New, PreparingAppliance, PreparingShipment, InTransitToCustomer, WithCustomer, InTransitToAWS,
              WithAWSSortingFacility, WithAWS, InProgress, Complete, Cancelled, Listing, Pending]
extends_documentation_fragment:
  - fieldops.snowball.in_process
  - fieldops.snowball.aws
"""

EXAMPLES = r"""
- name: Describe the job of the device on the bench
  fieldops.snowball.snowball_job_info:
    job_id: JID123e4567-e89b-12d3-a456-426655440000
    region: eu-west-1
  register: snowball_job

- name: List the jobs whose devices are on site now
  fieldops.snowball.snowball_job_info:
    states: [WithCustomer]
  register: on_site

- name: List the jobs of a cluster
  fieldops.snowball.snowball_job_info:
    cluster_id: CID123e4567-e89b-12d3-a456-426655440000
"""

RETURN = r"""
jobs:
  description: The jobs, with snake_case keys as the Snowball API describes them.
  returned: always
  type: list
  elements: dict
  contains:
    job_id:
      description: The job id.
      type: str
      sample: JID123e4567-e89b-12d3-a456-426655440000
    job_state:
      description: The job's state; manifest and unlock code are available only in C(WithCustomer).
      type: str
      sample: WithCustomer
    job_type:
      description: C(IMPORT), C(EXPORT) or C(LOCAL_USE).
      type: str
      sample: LOCAL_USE
    creation_date:
      description: When the job was created, ISO 8601.
      type: str
      sample: "2026-11-01T09:30:00+00:00"
    cluster_id:
      description: The cluster the job belongs to, if any.
      type: str
      returned: when the job is part of a cluster
    snowball_type:
      description: The device type ordered, for example C(V3_5C) or C(V3_5S).
      type: str
      returned: when AWS reports it
      sample: V3_5C
    remote_management:
      description:
        - Whether the device is managed remotely with AWS OpsHub or AWS IoT (C(INSTALLED_ONLY),
          C(INSTALLED_AUTOSTART), C(NOT_INSTALLED)), as the job's C(RemoteManagement) says.
      type: str
      returned: when AWS reports it
      sample: INSTALLED_ONLY
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.fieldops.snowball.plugins.module_utils._aws_options import with_aws_options
from ansible_collections.fieldops.snowball.plugins.module_utils._context import run_module
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.plugins.module_utils._ids import CLUSTER_ID_PATTERN
from ansible_collections.fieldops.snowball.plugins.module_utils._jobs import JOB_STATES
from ansible_collections.fieldops.snowball.plugins.module_utils._jobs import SnowballJobs
from ansible_collections.fieldops.snowball.plugins.module_utils._ids import check_job_id
from ansible_collections.fieldops.snowball.plugins.module_utils._jobs import snake_job

ARGUMENT_SPEC = dict(
    job_id=dict(type="str"),
    cluster_id=dict(type="str"),
    states=dict(type="list", elements="str", choices=list(JOB_STATES)),
)
ARGUMENT_RULES = dict(mutually_exclusive=[("job_id", "cluster_id")])


def run(ctx):
    """Describe one job, a cluster's jobs, or every job."""
    params = ctx.params
    if params["job_id"]:
        check_job_id(params["job_id"])
    if params["cluster_id"] and not CLUSTER_ID_PATTERN.match(params["cluster_id"]):
        raise SnowballError("cluster_id must be CID followed by a lower-case UUID, for example "
                            "CID123e4567-e89b-12d3-a456-426655440000.")
    api = SnowballJobs(ctx)
    if params["job_id"]:
        jobs = [api.describe(params["job_id"])]
    elif params["cluster_id"]:
        jobs = api.cluster_jobs(params["cluster_id"])
    else:
        jobs = api.list_jobs()
    if params["states"] and not params["job_id"]:
        jobs = [job for job in jobs if job["JobState"] in params["states"]]
    return dict(changed=False, jobs=[snake_job(job) for job in jobs])


def main():
    module = AnsibleAWSModule(argument_spec=with_aws_options(ARGUMENT_SPEC), supports_check_mode=True, **ARGUMENT_RULES)
    run_module(module, run)


if __name__ == "__main__":
    main()
