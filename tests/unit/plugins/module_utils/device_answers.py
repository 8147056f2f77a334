# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A device's answers to the credential commands, as the developer guide documents them, for the unit tests of
the credential reading, the AWS profile and the credentials module (imported, not a test file)."""

from __future__ import annotations

import json


IP = "192.0.2.10"
KEY = "AKIAIOSFODNN7EXAMPLE"
OTHER_KEY = "AKIAI44QH8DHBEXAMPLE"
# 40 characters like a real secret, and nowhere else: finding it anywhere but the credentials file is a leak.
SECRET = "Canary/Secret+Key0123456789abcdefghijKLM"
NEW_SECRET = "Rotated/Secret+Key0123456789abcdefghijKL"
ARN = "arn:aws:snowball-device:::certificate/78EXAMPLE516EXAMPLEf538EXAMPLEa7"
NAME = "snowball-bench"
# describe-service --service-id s3-snow as the developer guide's example shapes it (using-client-commands.md): a
# bucket and an object API endpoint per node, on their own interface IPs, HTTPS 443, with the node's DeviceId.
S3_SNOW = [
    {"Protocol": "https", "Port": 443, "Host": "192.0.2.110", "CertificateAssociation": {"CertificateArn": ARN},
     "Description": "s3-snow bucket API endpoint", "DeviceId": "JID123e4567-e89b-12d3-a456-426655440000",
     "Status": {"State": "ACTIVE"}},
    {"Protocol": "https", "Port": 443, "Host": "192.0.2.111", "CertificateAssociation": {"CertificateArn": ARN},
     "Description": "s3-snow object API endpoint", "DeviceId": "JID123e4567-e89b-12d3-a456-426655440000",
     "Status": {"State": "ACTIVE"}},
    # another node of its cluster: not this device's
    {"Protocol": "https", "Port": 443, "Host": "192.0.2.121", "Description": "s3-snow object API endpoint",
     "DeviceId": "JIDother0-e89b-12d3-a456-426655440000", "Status": {"State": "ACTIVE"}},
]


def jackson(value):
    """JSON as the client prints it (Jackson's pretty printer: a space before each colon)."""
    return json.dumps(value, indent=2).replace('": ', '" : ') + "\n"


class FakeDevice:
    """The four credential commands, describe-device and the service commands, with the documented output;
    records every call."""

    def __init__(self, pem, state="UNLOCKED", keys=None, certificates=None, ip=IP, s3_snow=None):
        self.state, self.ip = state, ip
        # describe-service --service-id s3-snow's Endpoints when the device runs S3 on Snow, else None (the adapter)
        self.s3_snow = s3_snow
        self.keys = {KEY: SECRET} if keys is None else keys
        self.certificates = [(ARN, [ip], pem)] if certificates is None else certificates
        self.calls = []

    def __call__(self, args):
        self.calls.append(list(args))
        command = args[0]
        if command == "describe-device":
            return 0, jackson({"DeviceId": "JID123e4567-e89b-12d3-a456-426655440000",
                               "UnlockStatus": {"State": self.state},
                               "ActiveNetworkInterface": {"IpAddress": self.ip}}), ""
        if self.state != "UNLOCKED":
            return 1, "", ("Picked up JAVA_TOOL_OPTIONS: -Duser.home=/x\nThe device is not unlocked. (Service: "
                           "AWSSnowballDevice; Status Code: 400; Error Code: IncorrectDeviceStateException)")
        if command == "list-access-keys":
            return 0, jackson({"AccessKeyIds": list(self.keys)}), ""
        if command == "get-secret-access-key":
            key = args[args.index("--access-key-id") + 1]
            return 0, "[snowballEdge]\naws_access_key_id = %s\naws_secret_access_key = %s\n" % (key, self.keys[key]), ""
        if command == "list-certificates":
            return 0, jackson({"Certificates": [{"CertificateArn": arn, "SubjectAlternativeNames": names}
                                                for arn, names, _pem in self.certificates]}), ""
        if command == "list-services":  # DG using-client-commands.md "list-services"
            return 0, jackson({"ServiceIds": ["s3-snow" if self.s3_snow else "s3", "ec2"]}), ""
        if command == "describe-service" and self.s3_snow and args[args.index("--service-id") + 1] == "s3-snow":
            return 0, jackson({"ServiceId": "s3-snow", "Status": {"State": "ACTIVE"}, "Endpoints": self.s3_snow}), ""
        if command == "get-certificate":
            arn = args[args.index("--certificate-arn") + 1]
            return 0, next(pem for known, _names, pem in self.certificates if known == arn), ""
        return 2, "", "usage: snowballEdge"
