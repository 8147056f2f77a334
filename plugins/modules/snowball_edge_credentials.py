#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: snowball_edge_credentials
short_description: Write an AWS CLI and SDK profile for an unlocked Snowball Edge device
version_added: 0.2.0
description:
  - Asks the device, through the Snowball Edge client, for its access key (C(list-access-keys),
    C(get-secret-access-key)) and its certificate (C(list-certificates), C(get-certificate)), and writes an
    AWS CLI and SDK profile with them, so that C(aws s3 ls --profile NAME) and boto3 reach the device's S3 and
    EC2 endpoints without further options.
  - The key pair goes to the shared credentials file, section C([NAME]); the config file gets C([profile NAME])
    with C(region = snow), C(ca_bundle) and C(services = NAME-snowball), and C([services NAME-snowball]) with
    the C(endpoint_url) of C(s3) (C(https://IP:8443)) and C(ec2) (C(https://IP:8243)).
  - A device that runs Amazon S3 compatible storage on Snow (C(snowballEdge list-services) names C(s3-snow)) serves
    S3 on the endpoints C(describe-service --service-id s3-snow) names for it, HTTPS 443 on its own interface IPs,
    not on 8443; its profile then gets C(s3) (the object API endpoint) and C(s3control) (the bucket API endpoint)
    from there, and C(ec2) stays on C(https://IP:8243).
  - The profile also asks for plain, path-style S3 requests (C(request_checksum_calculation = when_required),
    C(response_checksum_validation = when_required), and C(s3) with C(addressing_style = path)), because a device refuses
    the C(aws-chunked) uploads with trailing checksums that botocore 1.36, AWS CLI 1.37 and AWS CLI 2.23 and later
    send by default (C(NotImplemented)), and has no DNS for bucket names.
  - Every other profile, section, key and comment in both files is kept as it was. Both files, and the CA
    bundle, are written atomically with mode 0600, and only when their content changes.
  - The secret key is never returned, logged, shown in a diff or put on a command line; the client prints it on
    its standard output, which the module reads from a pipe.
  - The device must be unlocked (M(fieldops.snowball.snowball_edge_unlock)). A device that is not, an unknown
    O(access_key_id), several keys and no O(access_key_id), or an unusable O(aws_profile) fail the task before
    anything is written.
author:
  - fieldops engineering (@fieldops)
extends_documentation_fragment:
  - fieldops.snowball.client
options:
  aws_profile:
    description:
      - The AWS CLI and SDK profile to write.
      - 1 to 128 letters, digits, C(.), C(_) or C(-), starting with a letter or digit. C(default) is refused
        because it would replace the credentials this laptop uses for AWS itself.
      - An existing profile of that name is replaced only when this collection wrote it (C([profile NAME]) with
        C(region = snow) and C(services = NAME-snowball), and only the key pair in the credentials file). Any other
        profile of that name, in either file, is refused before the device is asked and nothing is written, as it
        may hold your own AWS keys, which AWS never shows again.
      - With O(cluster_ips), one profile per node, named C(AWS_PROFILE-IP) (for example
        C(rack-192.0.2.10); the colons of an IPv6 address become C(-)).
    type: str
    required: true
  access_key_id:
    description:
      - The device's access key to write. Default, the device's only key; when the device has several, the task
        fails and lists their ids (they are not secret).
      - With O(cluster_ips), every node must have this key.
    type: str
  ca_bundle_dest:
    description:
      - Where to write the device's certificate, the profile's C(ca_bundle).
      - Default, C(PROFILE-ca-bundle.pem) (PROFILE being the AWS profile written) in the directory of O(config_path),
        the client's config file (C(~/.aws/snowball/config/)), so one file per device.
      - Not with O(cluster_ips), where every node has its own certificate and so its own default file.
    type: path
notes:
  - Supports check mode and diff mode. In check mode the client's read-only commands still run, to tell whether the
    key or the certificate changed; nothing is written. The diff shows the secret key as C(********).
  - The files are the ones botocore uses, from the environment of the task (E(AWS_SHARED_CREDENTIALS_FILE),
    E(AWS_CONFIG_FILE)), else C(~/.aws/credentials) and C(~/.aws/config). A symbolic link there is refused.
  - E(AWS_CA_BUNDLE), E(AWS_DEFAULT_REGION), E(AWS_REGION) and E(AWS_ENDPOINT_URL) (and its service variants) take
    precedence over the profile in the AWS CLI and SDKs; the module warns when they are set.
  - Wherever the profile is used, it needs botocore 1.31 or later (boto3, AWS CLI v1 1.29) or AWS CLI v2 2.13 or
    later, which read service-specific endpoints. Older versions that do not read C(request_checksum_calculation)
    (before botocore 1.36) do not send chunked uploads either.
  - E(AWS_REQUEST_CHECKSUM_CALCULATION) and E(AWS_RESPONSE_CHECKSUM_VALIDATION) set to C(when_supported) override
    the profile and make uploads fail with C(NotImplemented); the module warns when they are set.
  - A device makes a new certificate when it is unlocked with another IP address; run the module again then.
  - With O(cluster_ips), each node is asked at its own address (C(--endpoint https://IP) beside the client's
    credentials). Every node is checked before the first file is written, so a node that is not unlocked fails
    the task with nothing written.
seealso:
  - module: fieldops.snowball.snowball_edge_unlock
  - name: Service-specific endpoints (AWS SDKs and Tools reference)
    description: The C(services) section the profile uses.
    link: https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html
"""

EXAMPLES = r"""
- name: Unlock the device on the bench
  fieldops.snowball.snowball_edge_unlock:
    profile: bench-device

- name: Write an AWS CLI profile for it, so that `aws s3 ls --profile snowball-bench` works
  fieldops.snowball.snowball_edge_credentials:
    profile: bench-device
    aws_profile: snowball-bench

- name: One profile per node of a cluster (rack-192.0.2.10, rack-192.0.2.11, rack-192.0.2.12)
  fieldops.snowball.snowball_edge_credentials:
    profile: rack-cluster
    cluster_ips: [192.0.2.10, 192.0.2.11, 192.0.2.12]
    aws_profile: rack
"""

RETURN = r"""
aws_profile:
  description: The profile written.
  returned: without O(cluster_ips)
  type: str
  sample: snowball-bench
access_key_id:
  description: The device's access key id in the profile (not secret; the secret key is never returned).
  returned: without O(cluster_ips)
  type: str
  sample: AKIAIOSFODNN7EXAMPLE
device_ip:
  description: The device's address in the endpoints; its certificate names it.
  returned: without O(cluster_ips)
  type: str
  sample: 192.0.2.10
region:
  description: The profile's region.
  returned: without O(cluster_ips)
  type: str
  sample: snow
endpoints:
  description: The profile's service endpoints (C(s3), C(ec2), and C(s3control) on a device with S3 on Snow).
  returned: without O(cluster_ips)
  type: dict
  sample: {"s3": "https://192.0.2.10:8443", "ec2": "https://192.0.2.10:8243"}
certificate_arns:
  description: The device certificates in the CA bundle.
  returned: without O(cluster_ips)
  type: list
  elements: str
  sample: ["arn:aws:snowball-device:::certificate/78EXAMPLE516EXAMPLEf538EXAMPLEa7"]
ca_bundle:
  description: The CA bundle file (the device's certificate).
  returned: without O(cluster_ips)
  type: str
  sample: /home/engineer/.aws/snowball/config/snowball-bench-ca-bundle.pem
credentials_file:
  description: The shared credentials file.
  returned: always
  type: str
  sample: /home/engineer/.aws/credentials
config_file:
  description: The AWS config file.
  returned: always
  type: str
  sample: /home/engineer/.aws/config
profiles:
  description:
    - One entry per device (one without O(cluster_ips), one per node with it, in the order of O(cluster_ips)), each
      with the keys RV(aws_profile), RV(access_key_id), RV(device_ip), RV(region), RV(endpoints),
      RV(certificate_arns) and RV(ca_bundle) described above.
  returned: always
  type: list
  elements: dict
  sample: [{"aws_profile": "rack-192.0.2.10", "access_key_id": "AKIAIOSFODNN7EXAMPLE", "device_ip": "192.0.2.10",
            "region": "snow", "endpoints": {"s3": "https://192.0.2.10:8443", "ec2": "https://192.0.2.10:8243"},
            "certificate_arns": ["arn:aws:snowball-device:::certificate/78EXAMPLE516EXAMPLEf538EXAMPLEa7"],
            "ca_bundle": "/home/engineer/.aws/snowball/config/rack-192.0.2.10-ca-bundle.pem"}]
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.fieldops.snowball.plugins.module_utils._addresses import check_device_ips
from ansible_collections.fieldops.snowball.plugins.module_utils._addresses import endpoint_ip
from ansible_collections.fieldops.snowball.plugins.module_utils._addresses import node_ip
from ansible_collections.fieldops.snowball.plugins.module_utils._addresses import node_profile_name
from ansible_collections.fieldops.snowball.plugins.module_utils._addresses import normalize_endpoint
from ansible_collections.fieldops.snowball.plugins.module_utils._addresses import url_host
from ansible_collections.fieldops.snowball.plugins.module_utils._aws_profile import ProfileFiles
from ansible_collections.fieldops.snowball.plugins.module_utils._aws_profile import write_aws_profile
from ansible_collections.fieldops.snowball.plugins.module_utils._client import CLIENT_ARGUMENT_RULES
from ansible_collections.fieldops.snowball.plugins.module_utils._client import CLIENT_ARGUMENT_SPEC
from ansible_collections.fieldops.snowball.plugins.module_utils._client import EdgeClient
from ansible_collections.fieldops.snowball.plugins.module_utils._client_config import default_config_path
from ansible_collections.fieldops.snowball.plugins.module_utils._context import run_module
from ansible_collections.fieldops.snowball.plugins.module_utils._device_credentials import read_device_credentials
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.plugins.module_utils._ids import check_access_key_id
from ansible_collections.fieldops.snowball.plugins.module_utils._ids import check_aws_profile_name

ARGUMENT_SPEC = dict(
    CLIENT_ARGUMENT_SPEC,
    aws_profile=dict(type="str", required=True),
    # An access key id is not secret (the task result gives it); the secret key is never an option.
    access_key_id=dict(type="str", no_log=False),
    ca_bundle_dest=dict(type="path"),
)
ARGUMENT_RULES = {
    **CLIENT_ARGUMENT_RULES,
    # One file cannot be the CA bundle of several nodes: each node has its own certificate.
    "mutually_exclusive": CLIENT_ARGUMENT_RULES["mutually_exclusive"] + [("cluster_ips", "ca_bundle_dest")],
}
# The keys of one device's profile in the result; the files are the same for every device.
PROFILE_KEYS = ("aws_profile", "access_key_id", "device_ip", "region", "endpoints", "certificate_arns", "ca_bundle")


def targets(params):
    """``[(AWS profile name, device IP or None, endpoint to ask or None)]``, every name checked before the
    client runs. None for the IP: the one describe-device reports."""
    if params["cluster_ips"]:
        nodes = []
        for value in check_device_ips(params["cluster_ips"]):
            ip = node_ip(value)
            nodes.append((check_aws_profile_name(node_profile_name(params["aws_profile"], ip)), ip,
                          "https://" + url_host(ip)))
    else:
        # A host name gives no IP: the IP the device reports is the one its certificate names.
        ip = endpoint_ip(normalize_endpoint(params["endpoint"])) if params["endpoint"] else None
        nodes = [(check_aws_profile_name(params["aws_profile"]), ip, None)]
    return nodes


def _in_node(params, name, ip, error):
    """``error`` naming the cluster node it concerns (a stand-alone device's as it is)."""
    if not params["cluster_ips"]:
        return error
    return SnowballError("Cluster node %s (profile %s): %s" % (ip, name, error.msg),
                         **dict(error.facts, device_ip=ip, aws_profile=name))


def run(ctx):
    """Write the AWS profile of the device (or of each node): every device read and every file checked first,
    then written, so a node that is locked or has several keys fails the task before any profile is written."""
    params = ctx.params
    # The default CA bundle goes beside the client's own config file, also when the client runs on a
    # transient profile in a temporary home.
    client_config_path = params["config_path"] or default_config_path()
    if params["access_key_id"]:
        check_access_key_id(params["access_key_id"])
    nodes = []
    for name, ip, endpoint in targets(params):
        try:
            nodes.append((ProfileFiles(name, params["ca_bundle_dest"], client_config_path), ip, endpoint))
        except SnowballError as error:
            raise _in_node(params, name, ip, error) from None
    client = EdgeClient(ctx)
    readings = []
    with client.session():
        for files, ip, endpoint in nodes:
            try:
                readings.append(read_device_credentials(client, endpoint, ip, params["access_key_id"],
                                                        ctx.add_secret))
            except SnowballError as error:
                raise _in_node(params, files.name, ip, error) from None

    warnings = []

    def warn_once(msg):
        if msg not in warnings:
            warnings.append(msg)
            ctx.warn(msg)

    def write(check_mode, diff, warn):
        results = []
        for (files, ip, _endpoint), device in zip(nodes, readings):
            try:
                results.append(write_aws_profile(files, device, check_mode=check_mode, diff=diff, warn=warn))
            except SnowballError as error:
                raise _in_node(params, files.name, ip, error) from None
        return results

    if len(nodes) > 1 and not ctx.check_mode:
        write(True, False, None)  # every node's files planned, writing nothing: a layout problem fails first
    results = write(ctx.check_mode, ctx.diff, warn_once)
    result = {
        "changed": any(entry["changed"] for entry in results),
        "credentials_file": results[0]["credentials_file"],
        "config_file": results[0]["config_file"],
        "profiles": [{key: entry[key] for key in PROFILE_KEYS} for entry in results],
    }
    if not params["cluster_ips"]:
        result.update(result["profiles"][0])
    if ctx.diff:
        result["diff"] = [entry for each in results for entry in each.get("diff", [])]
    return result


def main():
    run_module(AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, **ARGUMENT_RULES), run)


if __name__ == "__main__":
    main()
