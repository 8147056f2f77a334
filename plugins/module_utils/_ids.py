# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The forms of Snowball identifiers and unlock codes.

Kept apart from _job so that the on-site modules can check a job id without
importing botocore (a large part of a module's start-up time).
"""

from __future__ import annotations

import re

# botocore's JobId pattern, which botocore itself does not enforce.
JOB_ID_PATTERN = re.compile(r"(M|J)ID[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
CLUSTER_ID_PATTERN = re.compile(r"CID[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
JOB_ID_EXAMPLE = "JID123e4567-e89b-12d3-a456-426655440000"
# Five groups of five letters or digits joined by four hyphens: 29 characters.
UNLOCK_CODE_PATTERN = re.compile(r"[A-Za-z0-9]{5}(-[A-Za-z0-9]{5}){4}\Z")


def job_id_problem(job_id):
    """Why ``job_id`` is not a Snowball job id, or None when it is one."""
    if isinstance(job_id, str) and JOB_ID_PATTERN.match(job_id):
        return None
    return ("job_id must be a Snowball job id: JID or MID followed by a lower-case UUID, 39 characters, "
            "for example %s (as shown on the device's display and in the AWS console)." % JOB_ID_EXAMPLE)
