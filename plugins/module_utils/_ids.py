# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The forms of identifiers: Snowball job, cluster and unlock-code patterns, the device's access key ids, and
the two profile-name rules (the Snowball Edge client's profile, the AWS CLI/SDK profile).

Kept apart from _job so that the on-site modules can check a job id without
importing botocore (a large part of a module's start-up time).
"""

from __future__ import annotations

import re

from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError

# botocore's JobId pattern, which botocore itself does not enforce.
JOB_ID_PATTERN = re.compile(r"(M|J)ID[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
CLUSTER_ID_PATTERN = re.compile(r"CID[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
JOB_ID_EXAMPLE = "JID123e4567-e89b-12d3-a456-426655440000"
# Five groups of five letters or digits joined by four hyphens: 29 characters.
UNLOCK_CODE_PATTERN = re.compile(r"[A-Za-z0-9]{5}(-[A-Za-z0-9]{5}){4}\Z")
# IAM's AccessKeyId: word characters, 16 to 128 of them.
ACCESS_KEY_ID_PATTERN = re.compile(r"[A-Za-z0-9_]{16,128}\Z")
# A name the Snowball Edge client takes as one argument after --profile: no option look-alike, no control characters.
_CLIENT_PROFILE_NAME = re.compile(r"[A-Za-z0-9_.@+][A-Za-z0-9_.@+=:-]{0,127}\Z")
# Strict on purpose: an AWS profile name goes into INI section headers (no brackets, quotes, spaces or newlines),
# into a file name (no slash, no leading dot) and after --profile on a command line (no leading dash).
_AWS_PROFILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}\Z")


def job_id_problem(job_id):
    """Why ``job_id`` is not a Snowball job id, or None when it is one."""
    if isinstance(job_id, str) and JOB_ID_PATTERN.match(job_id):
        return None
    return ("job_id must be a Snowball job id: JID or MID followed by a lower-case UUID, 39 characters, "
            "for example %s (as shown on the device's display and in the AWS console)." % JOB_ID_EXAMPLE)


def check_job_id(job_id):
    """``job_id`` when it is a Snowball job id; SnowballError saying the form otherwise."""
    problem = job_id_problem(job_id)
    if problem:
        raise SnowballError(problem)
    return job_id


def _matching(pattern, value, message):
    """``value`` when it is a string ``pattern`` matches; SnowballError(``message`` % value) otherwise."""
    if not isinstance(value, str) or not pattern.match(value):
        raise SnowballError(message % (value,))
    return value


def check_client_profile_name(name):
    """``name`` when the Snowball Edge client can take it as a profile name; SnowballError otherwise."""
    return _matching(_CLIENT_PROFILE_NAME, name, "Profile name %r is not usable: use up to 128 letters, digits and "
                     ". _ - @ + = :, starting with a letter, digit, . _ @ or +.")


def check_aws_profile_name(name):
    """``name`` when it can be an AWS profile name here; SnowballError before anything is written otherwise."""
    _matching(_AWS_PROFILE_NAME, name, "aws_profile %r is not usable: use 1 to 128 letters, digits, '.', '_' or '-', "
              "starting with a letter or digit (no spaces, brackets, quotes or newlines).")
    if name == "default":
        raise SnowballError("aws_profile 'default' would replace the credentials and region this laptop uses for AWS "
                            "itself (the unlock code and manifest come from there): choose a name for the device, "
                            "for example snowball-bench.")
    return name


def check_access_key_id(value):
    """``value`` when it is an access key id; SnowballError with an example otherwise."""
    return _matching(ACCESS_KEY_ID_PATTERN, value, "access_key_id %r is not an access key id (16 to 128 letters "
                     "and digits, for example AKIAIOSFODNN7EXAMPLE).")
