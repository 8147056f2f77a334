# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The documentation of the AWS options the collection's AWS modules share (amazon.aws's own fragment fails Galaxy's ansible-doc run)."""

from __future__ import annotations


class ModuleDocFragment:
    # The AWS connection options of the modules that call AWS. The modules take them from amazon.aws
    # (AnsibleAWSModule), but their documentation lives here: Galaxy runs ansible-doc with only this
    # collection installed, and a fragment of amazon.aws would leave every module without documentation
    # there. ansible-test sanity (validate-modules) checks these options against the modules' real
    # argument spec, so an option amazon.aws adds or changes fails the build until it is documented here.
    DOCUMENTATION = r"""
options:
  region:
    description:
      - The AWS region the job was ordered in.
      - Default from the E(AWS_REGION) environment variable, or from the AWS profile's configuration.
    type: str
    aliases: [aws_region]
  profile:
    description:
      - The named AWS profile (in C(~/.aws/config) and C(~/.aws/credentials)) to authenticate with.
      - Default from the E(AWS_PROFILE) environment variable.
      - Mutually exclusive with O(access_key), O(secret_key) and O(session_token).
    type: str
    aliases: [aws_profile]
  access_key:
    description:
      - The AWS access key ID.
      - Default from the E(AWS_ACCESS_KEY_ID) or E(AWS_ACCESS_KEY) environment variable.
      - Mutually exclusive with O(profile).
    type: str
    aliases: [aws_access_key_id, aws_access_key]
  secret_key:
    description:
      - The AWS secret access key.
      - Default from the E(AWS_SECRET_ACCESS_KEY) or E(AWS_SECRET_KEY) environment variable.
      - Mutually exclusive with O(profile).
    type: str
    aliases: [aws_secret_access_key, aws_secret_key]
  session_token:
    description:
      - The AWS STS session token of temporary credentials.
      - Default from the E(AWS_SESSION_TOKEN) or E(AWS_SECURITY_TOKEN) environment variable (AWX's Amazon Web
        Services credential exports the latter only).
      - Mutually exclusive with O(profile).
    type: str
    aliases: [aws_session_token]
  endpoint_url:
    description:
      - Another Snowball API endpoint than AWS's own, for example a VPC endpoint.
      - Default from the E(AWS_URL) environment variable.
    type: str
    aliases: [aws_endpoint_url]
  aws_ca_bundle:
    description:
      - A CA bundle to verify the API's TLS certificates with, for example a TLS-inspecting proxy's.
      - Default from the E(AWS_CA_BUNDLE) environment variable.
    type: path
  validate_certs:
    description:
      - Whether to verify the API's TLS certificates. Set O(aws_ca_bundle) rather than turning this off.
    type: bool
    default: true
  aws_config:
    description:
      - Settings for botocore's client configuration, as in
        U(https://botocore.amazonaws.com/v1/documentation/api/latest/reference/config.html).
    type: dict
  debug_botocore_endpoint_logs:
    description:
      - Return the AWS API actions the task called, as C(resource_actions).
      - Default from the E(ANSIBLE_DEBUG_BOTOCORE_LOGS) environment variable.
    type: bool
    default: false
notes:
  - The AWS options are those of the C(amazon.aws) modules. Credentials and the region can also come from boto3's
    own configuration files and environment variables on the host that runs the module (the controller, for a
    local connection).
requirements:
  - boto3 >= 1.34.0
  - botocore >= 1.34.0
"""
