# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWS connection options where the collection's AWS modules differ from amazon.aws's: the session token."""

from __future__ import annotations

from ansible.module_utils.basic import env_fallback

# AWX's Amazon Web Services credential exports a temporary credential's token as AWS_SECURITY_TOKEN only
# (awx/main/models/credential/injectors.py, aws()), and amazon.aws 10 reads AWS_SESSION_TOKEN only: the access
# key then goes to AWS without its token and AWS refuses it ("The security token included in the request is
# invalid"). botocore's own environment provider reads both names; so do these modules.
SESSION_TOKEN_OPTION = dict(
    session_token=dict(aliases=["aws_session_token"], no_log=True,
                       fallback=(env_fallback, ["AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"])),
)


def with_aws_options(argument_spec):
    """An AWS module's ``argument_spec`` with the options above, which replace amazon.aws's of the same name
    (AnsibleAWSModule and the action plugins add amazon.aws's, then the module's)."""
    return dict(argument_spec, **SESSION_TOKEN_OPTION)
