# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading the device's access key and certificate from the client's documented output."""

from __future__ import annotations

import time

import boto3
import pytest

from ansible_collections.fieldops.snowball.plugins.module_utils import _device_credentials
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.tests.unit.plugins.module_utils.device_answers import ARN
from ansible_collections.fieldops.snowball.tests.unit.plugins.module_utils.device_answers import IP
from ansible_collections.fieldops.snowball.tests.unit.plugins.module_utils.device_answers import KEY
from ansible_collections.fieldops.snowball.tests.unit.plugins.module_utils.device_answers import OTHER_KEY
from ansible_collections.fieldops.snowball.tests.unit.plugins.module_utils.device_answers import SECRET
from ansible_collections.fieldops.snowball.tests.unit.plugins.module_utils.device_answers import NAME
from ansible_collections.fieldops.snowball.tests.unit.plugins.module_utils.device_answers import S3_SNOW
from ansible_collections.fieldops.snowball.tests.unit.plugins.module_utils.device_answers import FakeDevice
from ansible_collections.fieldops.snowball.tests.unit.plugins.module_utils.device_answers import jackson
from ansible_collections.fieldops.snowball.tests.unit.plugins.module_utils.test_aws_profile import run


def test_access_key_ids_as_documented_and_among_other_lines():
    assert _device_credentials.parse_access_key_ids(jackson({"AccessKeyIds": [KEY]})) == [KEY]
    noisy = "Picked up JAVA_TOOL_OPTIONS: -Duser.home=/x\n" + jackson({"AccessKeyIds": [KEY, OTHER_KEY]}) + "done\n"
    assert _device_credentials.parse_access_key_ids(noisy) == [KEY, OTHER_KEY]


@pytest.mark.parametrize("out", ["", "not json", "[1, 2]", '{"AccessKeys": []}', '{"AccessKeyIds": "AKIA"}',
                                 '{"AccessKeyIds": [12]}', '{"AccessKeyIds": ["AKIA IOSFODNN7EXAMPLE"]}'])
def test_malformed_access_key_ids_are_refused(out):
    with pytest.raises(SnowballError, match="list-access-keys printed no AccessKeyIds.*Snowball Edge client"
                       if out.startswith('{"AccessKey') else "did not print a JSON object"):
        _device_credentials.parse_access_key_ids(out)


def test_a_device_without_keys_is_explained():
    with pytest.raises(SnowballError, match="lists no access keys.*unlocked"):
        _device_credentials.parse_access_key_ids(jackson({"AccessKeyIds": []}))


def test_choosing_the_access_key():
    assert _device_credentials.choose_access_key([KEY]) == KEY
    assert _device_credentials.choose_access_key([KEY, OTHER_KEY], OTHER_KEY) == OTHER_KEY
    with pytest.raises(SnowballError, match="2 access keys \\(%s, %s\\): set access_key_id" % (KEY, OTHER_KEY)) as error:
        _device_credentials.choose_access_key([KEY, OTHER_KEY])
    assert error.value.facts == {"access_key_ids": [KEY, OTHER_KEY]}
    with pytest.raises(SnowballError, match="no access key AKIAUNKNOWN0EXAMPLE0; it has: %s\\. Set" % KEY):
        _device_credentials.choose_access_key([KEY], "AKIAUNKNOWN0EXAMPLE0")


def test_secret_as_documented_and_among_other_lines():
    documented = "[snowballEdge]\naws_access_key_id = %s\naws_secret_access_key = %s\n" % (KEY, SECRET)
    assert _device_credentials.parse_secret_access_key(documented, KEY) == SECRET
    noisy = ("Picked up JAVA_TOOL_OPTIONS: x\n[other]\naws_secret_access_key = nope\n\n  [snowballEdge]  \r\n"
             "aws_access_key_id=%s\r\naws_secret_access_key=%s\r\n\nSome note\n" % (KEY, SECRET))
    assert _device_credentials.parse_secret_access_key(noisy, KEY) == SECRET


@pytest.mark.parametrize("out", [
    "",
    "aws_secret_access_key = %s\n" % SECRET,  # no [snowballEdge] block
    "[snowballEdge]\naws_access_key_id = %s\n" % KEY,
    "[snowballEdge]\naws_secret_access_key =\n",
    "[snowballEdge]\naws_secret_access_key = %s with spaces\n" % SECRET,
    "[other]\naws_secret_access_key = %s\n" % SECRET,
])
def test_malformed_secret_output_is_refused_without_showing_it(out):
    with pytest.raises(SnowballError, match="did not print a \\[snowballEdge\\] block.*not shown") as error:
        _device_credentials.parse_secret_access_key(out, KEY)
    assert SECRET not in str(error.value)


def test_a_secret_for_another_key_is_refused_without_showing_it():
    out = "[snowballEdge]\naws_access_key_id = %s\naws_secret_access_key = %s\n" % (OTHER_KEY, SECRET)
    with pytest.raises(SnowballError, match="answered for another access key") as error:
        _device_credentials.parse_secret_access_key(out, KEY)
    assert SECRET not in str(error.value)


def test_certificates_are_chosen_by_the_device_ip():
    listed = jackson({"Certificates": [
        {"CertificateArn": ARN, "SubjectAlternativeNames": [IP]},
        {"CertificateArn": ARN + "0", "SubjectAlternativeNames": ["192.0.2.99"]},
        {"CertificateArn": ARN[:-1] + "0"},
    ]})
    certificates = _device_credentials.parse_certificates(listed)
    assert certificates == [(ARN, [IP]), (ARN + "0", ["192.0.2.99"]), (ARN[:-1] + "0", [])]
    assert _device_credentials.choose_certificates(certificates, IP) == [ARN]
    # Two certificates for one IP (unlocked twice there): both go into the bundle, in a stable order.
    assert _device_credentials.choose_certificates([(ARN, [IP]), (ARN[:-1] + "0", ["x", IP])], IP) == [ARN[:-1] + "0", ARN]
    assert _device_credentials.choose_certificates([(ARN, ["2001:DB8:0::10"])], "2001:db8::10") == [ARN]


def test_no_certificate_for_the_ip_names_what_the_device_has():
    with pytest.raises(SnowballError, match="No certificate of the device names 192.0.2.10; it has: %s \\(192.0.2.99\\)"
                       ".*unlocked with another IP" % ARN):
        _device_credentials.choose_certificates([(ARN, ["192.0.2.99"])], IP)


@pytest.mark.parametrize("out", ['{"Certificates": {}}', '{"Certificates": [{"SubjectAlternativeNames": []}]}',
                                 '{"Certificates": [{"CertificateArn": "x"}]}', '{"Nothing": 1}'])
def test_malformed_certificate_lists_are_refused(out):
    with pytest.raises(SnowballError, match="list-certificates printed no Certificates list"):
        _device_credentials.parse_certificates(out)


def test_certificate_pem_among_other_lines(pem):
    assert _device_credentials.parse_certificate_pem("Picked up JAVA_TOOL_OPTIONS: x\n" + pem + "\n\n", ARN) == pem
    assert _device_credentials.parse_certificate_pem(pem.replace("\n", "\r\n"), ARN) == pem


@pytest.mark.parametrize("out", ["", "Certificate\n",
                                 # the developer guide's placeholder: the shape of a PEM, not a certificate
                                 "-----BEGIN CERTIFICATE-----\nCertificate\n-----END CERTIFICATE-----\n",
                                 "-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----\n"])
def test_not_a_certificate_is_refused(out):
    with pytest.raises(SnowballError, match="get-certificate --certificate-arn %s did not print a PEM" % ARN):
        _device_credentials.parse_certificate_pem(out, ARN)


@pytest.mark.parametrize("line", ["CertificateExpiry: Thu Jan 01 00:00:00 UTC 1970",
                                  "CertificateExpiry: Thur Jan 01 00:00:00 UTC 1970",  # as the guide spells it
                                  "CertificateExpiry : Thu Jan  1 00:00:00 GMT 1970"])
def test_the_certificate_expiry_is_read_as_describe_device_software_prints_it(line):
    out = "Installed version: 101\nInstall State: NA\n%s\n" % line
    assert _device_credentials.certificate_expiry(out) == 0


def test_no_expiry_printed_is_none():
    assert _device_credentials.certificate_expiry("Installed version: 101\nInstall State: NA\n") is None


class Software:
    """describe-device-software's answer, or a failure (a device or client without the command)."""

    def __init__(self, out=None, error=None):
        self.out, self.calls = out, []
        self.error = error or SnowballError("snowballEdge describe-device-software failed (exit 1)")

    def run(self, command, endpoint=None, urgent=True, most=None):
        self.calls.append((command, endpoint, urgent, most))
        if self.out is None:
            raise self.error
        return self.out, ""


NOW = 1_800_000_000  # a fixed clock


def expiring_in(days):
    return Software("Installed version: 101\nCertificateExpiry: %s\n"
                    % time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime(NOW + days * 86400)))


def test_a_certificate_under_30_days_from_expiry_is_warned_about_with_what_to_do():
    warning = _device_credentials.certificate_warning(expiring_in(12), now=NOW)
    assert "expires on %s, in 12 days" % time.strftime("%Y-%m-%d", time.gmtime(NOW + 12 * 86400)) in warning
    assert "Updating your device" in warning and "snowball_edge_credentials" in warning
    assert "expired on" in _device_credentials.certificate_warning(expiring_in(-3), now=NOW)
    node = expiring_in(5)
    assert "device at 192.0.2.11 expires" in _device_credentials.certificate_warning(node, "https://192.0.2.11", NOW)
    # asked once the device is UNLOCKED: it waits for the looks of the run's devices that still unlock
    assert node.calls == [("describe-device-software", "https://192.0.2.11", False,
                           _device_credentials.CERTIFICATE_CHECK_SECONDS)]


def test_a_certificate_check_that_does_not_answer_in_time_says_it_was_not_checked():
    # a hung check is stopped after CERTIFICATE_CHECK_SECONDS (it holds a client start of the run meanwhile)
    hung = Software(error=SnowballError("snowballEdge describe-device-software: the client did not answer within 30 s",
                                        client_timeout=True))
    warning = _device_credentials.certificate_warning(hung, "https://192.0.2.11", NOW)
    assert "device at 192.0.2.11 was not checked" in warning and "describe-device-software" in warning
    assert hung.calls[0][3] == _device_credentials.CERTIFICATE_CHECK_SECONDS < 120


def test_a_certificate_30_days_or_more_away_or_not_reported_is_not_warned_about():
    assert _device_credentials.certificate_warning(expiring_in(30), now=NOW) is None
    assert _device_credentials.certificate_warning(expiring_in(300), now=NOW) is None
    assert _device_credentials.certificate_warning(Software(), now=NOW) is None
    assert _device_credentials.certificate_warning(Software("Installed version: 101\n"), now=NOW) is None


# --- the S3 the device runs: the adapter, or S3 compatible storage on Snow (read, then written to the profile)


def test_a_device_with_s3_on_snow_gets_its_object_and_bucket_endpoints_and_ec2_stays(home, pem):
    device = FakeDevice(pem, s3_snow=S3_SNOW)
    result = run(home, device)
    assert result["endpoints"] == {"s3": "https://192.0.2.111", "s3control": "https://192.0.2.110",
                                   "ec2": "https://192.0.2.10:8243"}
    config = (home / ".aws" / "config").read_text()
    assert ("s3 =\n  endpoint_url = https://192.0.2.111\nec2 =\n  endpoint_url = https://192.0.2.10:8243\n"
            "s3control =\n  endpoint_url = https://192.0.2.110\n") in config
    assert ["describe-service", "--service-id", "s3-snow"] in device.calls
    session = boto3.session.Session(profile_name=NAME)
    assert session.client("s3").meta.endpoint_url == "https://192.0.2.111"


def test_a_device_with_the_s3_adapter_keeps_8443_and_asks_no_describe_service(home, pem):
    device = FakeDevice(pem)
    assert run(home, device)["endpoints"]["s3"] == "https://192.0.2.10:8443"
    assert not [call for call in device.calls if call[0] == "describe-service"]


def test_s3_on_snow_without_an_object_endpoint_for_this_device_writes_nothing(home, pem):
    with pytest.raises(SnowballError, match="names no HTTPS object API endpoint"):
        run(home, FakeDevice(pem, s3_snow=S3_SNOW[:1] + S3_SNOW[2:]))
    assert not (home / ".aws" / "config").exists()
