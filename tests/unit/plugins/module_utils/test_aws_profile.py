# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWS CLI profile of an unlocked device (issue 14): the client's output, the INI editor, the files
and the module's logic with a fake client, and real boto3 reading what was written."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat

import boto3
import pytest

from ansible_collections.fieldops.snowball.plugins.module_utils import _aws_profile
from ansible_collections.fieldops.snowball.plugins.module_utils import _files
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.tests.standins.snowball_api import make_certificate

IP = "192.0.2.10"
KEY = "AKIAIOSFODNN7EXAMPLE"
OTHER_KEY = "AKIAI44QH8DHBEXAMPLE"
# 40 characters like a real secret, and nowhere else: finding it anywhere but the credentials file is a leak.
SECRET = "Canary/Secret+Key0123456789abcdefghijKLM"
NEW_SECRET = "Rotated/Secret+Key0123456789abcdefghijKL"
ARN = "arn:aws:snowball-device:::certificate/78EXAMPLE516EXAMPLEf538EXAMPLEa7"
NAME = "snowball-bench"


def jackson(value):
    """JSON as the client prints it (Jackson's pretty printer: a space before each colon)."""
    return json.dumps(value, indent=2).replace('": ', '" : ') + "\n"


@pytest.fixture(scope="module")
def pem(tmp_path_factory):
    certificate, _key = make_certificate(str(tmp_path_factory.mktemp("device")), host=IP)
    with open(certificate, encoding="ascii") as handle:
        return handle.read()


@pytest.fixture(scope="module")
def other_pem(tmp_path_factory):
    certificate, _key = make_certificate(str(tmp_path_factory.mktemp("device")), host="192.0.2.99")
    with open(certificate, encoding="ascii") as handle:
        return handle.read()


class FakeDevice:
    """The four credential commands and describe-device, with the documented output; records every call."""

    def __init__(self, pem, state="UNLOCKED", keys=None, certificates=None, ip=IP):
        self.state, self.ip = state, ip
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
        if command == "get-certificate":
            arn = args[args.index("--certificate-arn") + 1]
            return 0, next(pem for known, _names, pem in self.certificates if known == arn), ""
        return 2, "", "usage: snowballEdge"


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A private home, and none of this machine's AWS settings."""
    for key in list(os.environ):
        if key.startswith("AWS_"):
            monkeypatch.delenv(key)
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    monkeypatch.setenv("HOME", str(home))
    return home


def client_config(home):
    return str(home / ".aws" / "snowball" / "config" / "snowball-edge.config")


def run(home, device, **params):
    params.setdefault("aws_profile", NAME)
    params.setdefault("client_config_path", client_config(home))
    options = {key: params.pop(key) for key in ("check_mode", "diff", "add_secret", "warn", "environ") if key in params}
    return _aws_profile.run(params, device, **options)


def tree(path):
    """Every file under ``path`` with its bytes."""
    found = {}
    for root, _dirs, files in os.walk(path):
        for name in files:
            with open(os.path.join(root, name), "rb") as handle:
                found[os.path.join(root, name)] = handle.read()
    return found


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


# --- the client's output


def test_access_key_ids_as_documented_and_among_other_lines():
    assert _aws_profile.parse_access_key_ids(jackson({"AccessKeyIds": [KEY]})) == [KEY]
    noisy = "Picked up JAVA_TOOL_OPTIONS: -Duser.home=/x\n" + jackson({"AccessKeyIds": [KEY, OTHER_KEY]}) + "done\n"
    assert _aws_profile.parse_access_key_ids(noisy) == [KEY, OTHER_KEY]


@pytest.mark.parametrize("out", ["", "not json", "[1, 2]", '{"AccessKeys": []}', '{"AccessKeyIds": "AKIA"}',
                                 '{"AccessKeyIds": [12]}', '{"AccessKeyIds": ["AKIA IOSFODNN7EXAMPLE"]}'])
def test_malformed_access_key_ids_are_refused(out):
    with pytest.raises(SnowballError, match="list-access-keys printed no AccessKeyIds.*Snowball Edge client"
                       if out.startswith('{"AccessKey') else "did not print a JSON object"):
        _aws_profile.parse_access_key_ids(out)


def test_a_device_without_keys_is_explained():
    with pytest.raises(SnowballError, match="lists no access keys.*unlocked"):
        _aws_profile.parse_access_key_ids(jackson({"AccessKeyIds": []}))


def test_choosing_the_access_key():
    assert _aws_profile.choose_access_key([KEY]) == KEY
    assert _aws_profile.choose_access_key([KEY, OTHER_KEY], OTHER_KEY) == OTHER_KEY
    with pytest.raises(SnowballError, match="2 access keys \\(%s, %s\\): set access_key_id" % (KEY, OTHER_KEY)) as error:
        _aws_profile.choose_access_key([KEY, OTHER_KEY])
    assert error.value.facts == {"access_key_ids": [KEY, OTHER_KEY]}
    with pytest.raises(SnowballError, match="no access key AKIAUNKNOWN0EXAMPLE0; it has: %s\\. Set" % KEY):
        _aws_profile.choose_access_key([KEY], "AKIAUNKNOWN0EXAMPLE0")


def test_secret_as_documented_and_among_other_lines():
    documented = "[snowballEdge]\naws_access_key_id = %s\naws_secret_access_key = %s\n" % (KEY, SECRET)
    assert _aws_profile.parse_secret_access_key(documented, KEY) == SECRET
    noisy = ("Picked up JAVA_TOOL_OPTIONS: x\n[other]\naws_secret_access_key = nope\n\n  [snowballEdge]  \r\n"
             "aws_access_key_id=%s\r\naws_secret_access_key=%s\r\n\nSome note\n" % (KEY, SECRET))
    assert _aws_profile.parse_secret_access_key(noisy, KEY) == SECRET


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
        _aws_profile.parse_secret_access_key(out, KEY)
    assert SECRET not in str(error.value)


def test_a_secret_for_another_key_is_refused_without_showing_it():
    out = "[snowballEdge]\naws_access_key_id = %s\naws_secret_access_key = %s\n" % (OTHER_KEY, SECRET)
    with pytest.raises(SnowballError, match="answered for another access key") as error:
        _aws_profile.parse_secret_access_key(out, KEY)
    assert SECRET not in str(error.value)


def test_certificates_are_chosen_by_the_device_ip():
    listed = jackson({"Certificates": [
        {"CertificateArn": ARN, "SubjectAlternativeNames": [IP]},
        {"CertificateArn": ARN + "0", "SubjectAlternativeNames": ["192.0.2.99"]},
        {"CertificateArn": ARN[:-1] + "0"},
    ]})
    certificates = _aws_profile.parse_certificates(listed)
    assert certificates == [(ARN, [IP]), (ARN + "0", ["192.0.2.99"]), (ARN[:-1] + "0", [])]
    assert _aws_profile.choose_certificates(certificates, IP) == [ARN]
    # Two certificates for one IP (unlocked twice there): both go into the bundle, in a stable order.
    assert _aws_profile.choose_certificates([(ARN, [IP]), (ARN[:-1] + "0", ["x", IP])], IP) == [ARN[:-1] + "0", ARN]
    assert _aws_profile.choose_certificates([(ARN, ["2001:DB8:0::10"])], "2001:db8::10") == [ARN]


def test_no_certificate_for_the_ip_names_what_the_device_has():
    with pytest.raises(SnowballError, match="No certificate of the device names 192.0.2.10; it has: %s \\(192.0.2.99\\)"
                       ".*unlocked with another IP" % ARN):
        _aws_profile.choose_certificates([(ARN, ["192.0.2.99"])], IP)


@pytest.mark.parametrize("out", ['{"Certificates": {}}', '{"Certificates": [{"SubjectAlternativeNames": []}]}',
                                 '{"Certificates": [{"CertificateArn": "x"}]}', '{"Nothing": 1}'])
def test_malformed_certificate_lists_are_refused(out):
    with pytest.raises(SnowballError, match="list-certificates printed no Certificates list"):
        _aws_profile.parse_certificates(out)


def test_certificate_pem_among_other_lines(pem):
    assert _aws_profile.parse_certificate_pem("Picked up JAVA_TOOL_OPTIONS: x\n" + pem + "\n\n", ARN) == pem
    assert _aws_profile.parse_certificate_pem(pem.replace("\n", "\r\n"), ARN) == pem


@pytest.mark.parametrize("out", ["", "Certificate\n",
                                 # the developer guide's placeholder: the shape of a PEM, not a certificate
                                 "-----BEGIN CERTIFICATE-----\nCertificate\n-----END CERTIFICATE-----\n",
                                 "-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----\n"])
def test_not_a_certificate_is_refused(out):
    with pytest.raises(SnowballError, match="get-certificate --certificate-arn %s did not print a PEM" % ARN):
        _aws_profile.parse_certificate_pem(out, ARN)


def test_device_state_and_ip():
    assert _aws_profile.parse_device(jackson({"UnlockStatus": {"State": "LOCKED"}})) == ("LOCKED", None)
    with pytest.raises(SnowballError, match="no UnlockStatus.State"):
        _aws_profile.parse_device(jackson({"DeviceId": "x"}))


def test_client_failures_say_what_to_do_and_never_echo_a_secret():
    message = _aws_profile.explain_client_failure(
        "get-secret-access-key", 1, "aws_secret_access_key = %s\n" % SECRET,
        "Picked up JAVA_TOOL_OPTIONS: -Duser.home=/x\nError Code: IncorrectDeviceStateException")
    assert "not unlocked: unlock it first" in message and "IncorrectDeviceStateException" in message
    assert SECRET not in message and "Picked up" not in message
    refused = _aws_profile.explain_client_failure("describe-device", 1, "", "Connect to 192.0.2.10:9091 failed: "
                                                  "Connection refused (Connection refused)")
    assert "about 10 minutes after power-on" in refused


# --- names and paths


@pytest.mark.parametrize("name", ["", " x", "x ", "a]b", "[a", "a\nb", "a=b", "a b", "-x", ".x", "..", "a/b", 'a"b',
                                  "a'b", "a;b", "x" * 129, None, 12, "default", "déjà"])
def test_bad_profile_names_are_refused(name):
    with pytest.raises(SnowballError, match="aws_profile"):
        _aws_profile.check_profile_name(name)


@pytest.mark.parametrize("name", ["snowball-bench", "dev.1_a", "A" * 128, "snowball-192.0.2.10"])
def test_good_profile_names(name):
    assert _aws_profile.check_profile_name(name) == name


def test_bad_profile_name_writes_nothing_and_asks_the_device_nothing(home, pem):
    device = FakeDevice(pem)
    with pytest.raises(SnowballError, match="aws_profile 'a\\]b' is not usable"):
        run(home, device, aws_profile="a]b")
    assert device.calls == [] and tree(home) == {}


def test_file_paths_as_botocore_finds_them(home):
    assert _aws_profile.aws_file_paths({"HOME": str(home)}) == (str(home / ".aws" / "credentials"),
                                                                str(home / ".aws" / "config"))
    environ = {"HOME": str(home), "WHERE": "/srv/aws", "AWS_SHARED_CREDENTIALS_FILE": "~/creds",
               "AWS_CONFIG_FILE": "$WHERE/conf"}
    assert _aws_profile.aws_file_paths(environ) == (str(home / "creds"), "/srv/aws/conf")


# --- the INI editor


def edit_config(text, name="x"):
    return _aws_profile.edit_ini(text, "config", _aws_profile.config_targets(name, "/ca.pem", IP))[0]


def test_a_new_profile_is_appended_and_every_other_byte_kept():
    text = ("# work laptop\n[default]\nregion = eu-west-1\n\n; staging\n[profile staging]\n"
            "s3 =\n    addressing_style = path\n# end")
    new = edit_config(text)
    assert new.startswith(text + "\n\n[profile x]\n")
    assert new[len(text):] == ("\n\n[profile x]\nregion = snow\nca_bundle = /ca.pem\nservices = x-snowball\n\n"
                               "[services x-snowball]\ns3 =\n  endpoint_url = https://192.0.2.10:8443\n"
                               "ec2 =\n  endpoint_url = https://192.0.2.10:8243\n")
    assert edit_config(new) == new


def test_an_existing_profile_is_edited_in_place():
    before = "# mine\r\n[profile a]\r\nregion = us-east-1\r\n\r\n"
    section = ("[profile x]\r\n  output = json\r\n  region = us-west-2\r\n  s3 =\r\n    addressing_style = path\r\n"
               "\r\n  services = mine\r\n")
    after = "# about b\r\n[profile b]\r\nregion = eu-west-1\r\n"
    # A wrong value is replaced where it is, with its indentation; a missing key goes after the last one.
    assert edit_config(before + section + after) == before + (
        "[profile x]\r\n  output = json\r\n  region = snow\r\n  s3 =\r\n    addressing_style = path\r\n\r\n"
        "  services = x-snowball\r\n  ca_bundle = /ca.pem\r\n") + after + (
        "\r\n[services x-snowball]\r\ns3 =\r\n  endpoint_url = https://192.0.2.10:8443\r\n"
        "ec2 =\r\n  endpoint_url = https://192.0.2.10:8243\r\n")


def test_a_quoted_header_is_the_same_profile_to_botocore():
    text = '[profile "x"]\nregion = snow\n'
    new = edit_config(text)
    assert new.startswith('[profile "x"]\nregion = snow\nca_bundle = /ca.pem\n') and new.count("[profile") == 1


def test_two_sections_for_one_profile_are_refused():
    with pytest.raises(SnowballError, match='2 sections that are all profile x to botocore \\(\\[profile x\\] at line 1, '
                       '\\[profile "x"\\] at line 3\\): merge them'):
        edit_config('[profile x]\nregion = a\n[profile "x"]\noutput = json\n')


def test_credentials_keep_other_keys_and_drop_a_stale_session_token():
    text = "[other]\naws_secret_access_key = other-secret\n\n[x]\naws_session_token = old\nmfa_serial = m\n"
    new = _aws_profile.edit_ini(text, "credentials", [_aws_profile.credentials_target("x", KEY, SECRET)])[0]
    assert new == ("[other]\naws_secret_access_key = other-secret\n\n[x]\nmfa_serial = m\n"
                   "aws_access_key_id = %s\naws_secret_access_key = %s\n" % (KEY, SECRET))


@pytest.mark.parametrize("text,line", [
    ("aws_secret_access_key = %s\n" % SECRET, 1),  # no section header
    ("[x]\nregion = a\n[x]\n", 3),  # botocore refuses duplicate sections
    ("[x]\nregion = a\nregion = b\n", 3),
    ("[x]\n%s\n" % SECRET, 2),  # a line that is no key = value
])
def test_a_file_botocore_cannot_read_is_refused_without_showing_its_lines(text, line):
    with pytest.raises(SnowballError, match="is not a file botocore can read \\(\\w+ at line %d\\); it was left "
                       "untouched" % line) as error:
        edit_config(text)
    assert SECRET not in str(error.value) and "region" not in str(error.value)


def test_an_edit_that_would_change_another_section_is_refused():
    # The editor's last line of defence: it compares what botocore reads before and after, whatever went wrong.
    targets = _aws_profile.config_targets("x", "/ca.pem", IP)
    old = _aws_profile._parsed("[profile other]\nregion = a\n", "config")  # pylint: disable=protected-access
    new = _aws_profile._parsed(edit_config("[profile other]\nregion = b\n"), "config")  # pylint: disable=protected-access
    with pytest.raises(SnowballError, match="Could not edit config without changing other settings"):
        _aws_profile._check_edit(old, new, targets, "config")  # pylint: disable=protected-access


def test_device_endpoints():
    assert _aws_profile.endpoint_urls("2001:db8::10") == {"s3": "https://[2001:db8::10]:8443",
                                                          "ec2": "https://[2001:db8::10]:8243"}
    assert _aws_profile.normalize_device_ip("https://[2001:DB8::10]/") == "2001:db8::10"
    with pytest.raises(SnowballError, match="device_ip 'snowball.example.net' is not an IP address"):
        _aws_profile.normalize_device_ip("snowball.example.net")


# --- the module's logic with a fake client


def test_writes_a_working_profile(home, pem):
    device = FakeDevice(pem)
    secrets, warnings = [], []
    result = run(home, device, add_secret=secrets.append, warn=warnings.append)
    aws = home / ".aws"
    ca_bundle = client_config(home).replace("snowball-edge.config", NAME + "-ca-bundle.pem")
    assert result == {
        "changed": True, "aws_profile": NAME, "access_key_id": KEY, "device_ip": IP, "region": "snow",
        "endpoints": {"s3": "https://192.0.2.10:8443", "ec2": "https://192.0.2.10:8243"},
        "certificate_arns": [ARN], "credentials_file": str(aws / "credentials"), "config_file": str(aws / "config"),
        "ca_bundle": ca_bundle,
    }
    assert (aws / "credentials").read_text() == "[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n" % (
        NAME, KEY, SECRET)
    assert (aws / "config").read_text() == (
        "[profile {0}]\nregion = snow\nca_bundle = {1}\nservices = {0}-snowball\n\n[services {0}-snowball]\n"
        "s3 =\n  endpoint_url = https://192.0.2.10:8443\nec2 =\n  endpoint_url = https://192.0.2.10:8243\n"
    ).format(NAME, ca_bundle)
    with open(ca_bundle, encoding="ascii") as handle:
        assert handle.read() == pem
    for path in (aws / "credentials", aws / "config", ca_bundle):
        assert mode(path) == 0o600
    assert mode(aws) == 0o700 and mode(os.path.dirname(ca_bundle)) == 0o700
    assert secrets == [SECRET] and warnings == []
    # Only the access key id goes on the client's command line.
    assert [call[0] for call in device.calls] == ["describe-device", "list-access-keys", "get-secret-access-key",
                                                  "list-certificates", "get-certificate"]
    assert not any(SECRET in arg for call in device.calls for arg in call)


def test_a_second_run_changes_nothing(home, pem):
    run(home, FakeDevice(pem))
    before = {path: (os.stat(path).st_ino, data) for path, data in tree(home).items()}
    result = run(home, FakeDevice(pem), diff=True)
    assert result["changed"] is False and result["diff"] == []
    assert {path: (os.stat(path).st_ino, data) for path, data in tree(home).items()} == before


def test_other_profiles_and_comments_are_kept_byte_for_byte(home, pem):
    aws = home / ".aws"
    aws.mkdir(mode=0o755)
    credentials = "# keys\n[default]\naws_access_key_id = AKIADEFAULT000000000\naws_secret_access_key = keep-me\n"
    config = "[default]\nregion = eu-west-1 ; not a comment to botocore\n\n# the office\n[profile office]\noutput=text"
    (aws / "credentials").write_text(credentials)
    (aws / "config").write_text(config)
    for path in (aws / "credentials", aws / "config"):
        path.chmod(0o644)
    assert run(home, FakeDevice(pem))["changed"] is True
    assert (aws / "credentials").read_text().startswith(credentials + "\n[%s]\n" % NAME)
    assert (aws / "config").read_text().startswith(config + "\n\n[profile %s]\n" % NAME)
    assert mode(aws / "credentials") == mode(aws / "config") == 0o600
    assert mode(aws) == 0o755  # a directory the module did not create keeps its mode


def test_a_private_mode_is_restored_and_counts_as_a_change(home, pem):
    run(home, FakeDevice(pem))
    config = home / ".aws" / "config"
    config.chmod(0o644)
    data = config.read_bytes()
    result = run(home, FakeDevice(pem), diff=True)
    assert result["changed"] is True and mode(config) == 0o600 and config.read_bytes() == data
    (diff,) = result["diff"]
    assert diff["after_header"] == str(config) and diff["before"].startswith("[profile %s]\n" % NAME)
    assert diff["before"].endswith("\n# mode 0644\n")
    assert diff["after"] == diff["before"].replace("# mode 0644", "# mode 0600")


def test_check_mode_computes_changed_and_writes_nothing(home, pem):
    device = FakeDevice(pem)
    result = run(home, device, check_mode=True, diff=True)
    assert result["changed"] is True and tree(home) == {} and not (home / ".aws").exists()
    assert [entry["after_header"] for entry in result["diff"]] == [result["ca_bundle"], result["credentials_file"],
                                                                   result["config_file"]]
    run(home, FakeDevice(pem))
    written = tree(home)
    assert run(home, FakeDevice(pem), check_mode=True)["changed"] is False
    device = FakeDevice(pem, keys={KEY: NEW_SECRET})
    assert run(home, device, check_mode=True)["changed"] is True
    assert tree(home) == written


def test_the_diff_masks_the_secret_and_marks_a_new_one(home, pem):
    aws = home / ".aws"
    aws.mkdir(mode=0o700)
    (aws / "credentials").write_text("[other]\naws_secret_access_key = other-secret\n")
    first = run(home, FakeDevice(pem), diff=True)
    credentials_diff = first["diff"][1]
    assert credentials_diff == {"before_header": str(aws / "credentials"), "after_header": str(aws / "credentials"),
                                "before": "", "after": "[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                                % (NAME, KEY, _aws_profile.MASK)}
    assert "[services %s-snowball]" % NAME in first["diff"][2]["after"]
    rotated = run(home, FakeDevice(pem, keys={KEY: NEW_SECRET}), diff=True)
    assert rotated["changed"] is True and len(rotated["diff"]) == 1
    assert rotated["diff"][0]["before"] == "[%s]\naws_access_key_id = %s\naws_secret_access_key = ********\n" % (NAME, KEY)
    assert rotated["diff"][0]["after"] == ("[%s]\naws_access_key_id = %s\naws_secret_access_key = ******** (changed)\n"
                                           % (NAME, KEY))
    for result in (first, rotated):
        dumped = json.dumps(result)
        assert SECRET not in dumped and NEW_SECRET not in dumped and "other-secret" not in dumped


def test_a_locked_device_gets_a_clear_error_before_anything_is_written(home, pem):
    device = FakeDevice(pem, state="LOCKED")
    with pytest.raises(SnowballError, match="The device is LOCKED, not UNLOCKED.*snowball_edge_unlock") as error:
        run(home, device)
    assert error.value.facts == {"device_state": "LOCKED"}
    assert [call[0] for call in device.calls] == ["describe-device"] and tree(home) == {}


def test_a_device_locked_between_commands_is_explained(home, pem):
    device = FakeDevice(pem)
    original = device.__call__

    def locks_after_describe(args):
        if args[0] != "describe-device":
            device.state = "LOCKED"
        return original(args)

    with pytest.raises(SnowballError, match="list-access-keys failed \\(exit 1\\): The device is not unlocked"):
        run(home, locks_after_describe)
    assert tree(home) == {}


def test_key_choice_errors_come_before_anything_is_written(home, pem):
    device = FakeDevice(pem, keys={KEY: SECRET, OTHER_KEY: NEW_SECRET})
    with pytest.raises(SnowballError, match="2 access keys"):
        run(home, device)
    with pytest.raises(SnowballError, match="no access key AKIAUNKNOWN0EXAMPLE0; it has: %s, %s" % (KEY, OTHER_KEY)):
        run(home, device, access_key_id="AKIAUNKNOWN0EXAMPLE0")
    assert tree(home) == {}
    result = run(home, device, access_key_id=OTHER_KEY)
    assert result["access_key_id"] == OTHER_KEY
    assert NEW_SECRET in (home / ".aws" / "credentials").read_text()


def test_no_certificate_for_the_device_ip_writes_nothing(home, pem):
    with pytest.raises(SnowballError, match="No certificate of the device names 192.0.2.10"):
        run(home, FakeDevice(pem, certificates=[(ARN, ["192.0.2.99"], pem)]))
    assert tree(home) == {}


def test_the_given_device_ip_and_ca_bundle_dest(home, pem, other_pem):
    device = FakeDevice(pem, certificates=[(ARN, [IP], pem), (ARN + "0", ["192.0.2.99"], other_pem)])
    dest = home / "certs" / "device.pem"
    result = run(home, device, device_ip="https://192.0.2.99", ca_bundle_dest="~/certs/device.pem")
    assert result["device_ip"] == "192.0.2.99" and result["ca_bundle"] == str(dest)
    assert dest.read_text() == other_pem and mode(dest.parent) == 0o700
    assert "https://192.0.2.99:8443" in (home / ".aws" / "config").read_text()


@pytest.mark.parametrize("dest", ["~/.aws/credentials", "~/.aws/config",
                                  "~/.aws/snowball/config/snowball-edge.config"])
def test_the_ca_bundle_never_replaces_a_file_with_secrets(home, pem, dest):
    device = FakeDevice(pem)
    with pytest.raises(SnowballError, match="ca_bundle_dest .* is the file of the credentials, the AWS config or the "
                       "Snowball Edge client's config: give a file of its own"):
        run(home, device, ca_bundle_dest=dest)
    assert device.calls == [] and tree(home) == {}


def test_an_old_ca_bundle_is_shown_only_when_it_holds_only_certificates(home, pem, other_pem):
    dest = home / "device.pem"
    dest.write_text(other_pem)
    assert run(home, FakeDevice(pem), ca_bundle_dest=str(dest), diff=True)["diff"][0]["before"] == other_pem
    dest.write_text("not a certificate %s\n" % SECRET)
    before = run(home, FakeDevice(pem), ca_bundle_dest=str(dest), diff=True)["diff"][0]["before"]
    assert before == "(%d bytes that are not only PEM certificates; not shown)\n" % len(SECRET + "not a certificate \n")


def test_a_symlinked_destination_is_refused_before_the_device_is_asked(home, pem, tmp_path):
    (home / ".aws").mkdir(mode=0o700)
    target = tmp_path / "elsewhere"
    target.write_text("")
    (home / ".aws" / "credentials").symlink_to(target)
    device = FakeDevice(pem)
    with pytest.raises(SnowballError, match="credentials is a symbolic link.*AWS_SHARED_CREDENTIALS_FILE"):
        run(home, device)
    assert device.calls == [] and target.read_text() == ""


def test_a_world_writable_directory_is_refused(home, pem):
    (home / ".aws").mkdir()
    (home / ".aws").chmod(0o777)
    with pytest.raises(SnowballError, match="world-writable"):
        run(home, FakeDevice(pem))
    assert os.listdir(home / ".aws") == []


def test_a_failed_write_leaves_the_old_file(home, pem, monkeypatch):
    run(home, FakeDevice(pem))
    before = tree(home)
    real_replace = os.replace

    def failing_replace(source, destination):
        if destination.endswith("config") and not destination.endswith(".config"):
            raise OSError(28, "No space left on device")
        return real_replace(source, destination)

    monkeypatch.setattr(_files.os, "replace", failing_replace)
    with pytest.raises(SnowballError, match="Cannot write .*/config \\(No space left on device\\); it was left as it "
                       "was") as error:
        run(home, FakeDevice(pem, ip="192.0.2.99", certificates=[(ARN, ["192.0.2.99"], pem)]))
    assert SECRET not in str(error.value)
    after = tree(home)
    config = str(home / ".aws" / "config")
    assert after[config] == before[config]  # the old file, whole
    assert set(after) == set(before)  # and no temporary file left behind


def test_a_directory_that_cannot_be_made_is_explained(home, pem, monkeypatch):
    def refused(path, mode=0o777, exist_ok=False):
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(_aws_profile.os, "makedirs", refused)
    with pytest.raises(SnowballError, match="Cannot write .*/home/.aws \\(Permission denied\\)") as error:
        run(home, FakeDevice(pem), ca_bundle_dest=str(home / "device.pem"))
    assert error.value.facts == {"path": str(home / ".aws")}


def test_settings_that_override_the_profile_are_reported(home, pem):
    warnings = []
    run(home, FakeDevice(pem), warn=warnings.append,
        environ={"HOME": str(home), "AWS_CA_BUNDLE": "/proxy.pem", "AWS_DEFAULT_REGION": "eu-west-1"})
    assert warnings == ["AWS_CA_BUNDLE, AWS_DEFAULT_REGION set in this environment override the profile's settings "
                        "for the AWS CLI and SDKs: unset them where you use --profile %s." % NAME]


def _write_profiles(home, pem, names):
    os.environ["HOME"] = home
    for name in names:
        _aws_profile.run({"aws_profile": name, "ca_bundle_dest": os.path.join(home, name + ".pem")}, FakeDevice(pem))


def test_parallel_runs_keep_each_others_profiles(home, pem):
    # The role writes one profile per device from parallel forks into the same two files.
    context = multiprocessing.get_context("fork")
    names = [["node%d-%d" % (worker, index) for index in range(8)] for worker in range(4)]
    workers = [context.Process(target=_write_profiles, args=(str(home), pem, batch)) for batch in names]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert [worker.exitcode for worker in workers] == [0, 0, 0, 0]
    config = (home / ".aws" / "config").read_text()
    credentials = (home / ".aws" / "credentials").read_text()
    for name in sum(names, []):
        assert "[profile %s]" % name in config and "[%s]" % name in credentials


# --- what real boto3 makes of it


class Sent(Exception):
    """Raised instead of sending a request: no network needed."""


def test_real_boto3_resolves_the_written_profile(home, pem, tmp_path, monkeypatch):
    files = tmp_path / "aws"
    monkeypatch.setenv("AWS_CONFIG_FILE", str(files / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(files / "credentials"))
    result = run(home, FakeDevice(pem))
    assert result["config_file"] == str(files / "config")
    assert not (home / ".aws" / "config").exists() and not (home / ".aws" / "credentials").exists()

    session = boto3.session.Session(profile_name=NAME)
    assert session.region_name == "snow"
    credentials = session.get_credentials().get_frozen_credentials()
    assert (credentials.access_key, credentials.secret_key, credentials.token) == (KEY, SECRET, None)
    s3, ec2 = session.client("s3"), session.client("ec2")
    assert s3.meta.endpoint_url == "https://192.0.2.10:8443" and ec2.meta.endpoint_url == "https://192.0.2.10:8243"
    assert s3._endpoint.http_session._verify == result["ca_bundle"]  # pylint: disable=protected-access

    sent = []

    def capture(request, **_kwargs):
        sent.append(request)
        raise Sent()

    s3.meta.events.register("before-send", capture)
    with pytest.raises(Sent):
        s3.list_objects_v2(Bucket="field-data")
    # Path-style addressing (the device has no DNS for bucket names), signed for region snow with the device's key.
    assert sent[0].url.startswith("https://192.0.2.10:8443/field-data")
    authorization = sent[0].headers["Authorization"].decode()
    assert "Credential=%s/" % KEY in authorization and "/snow/s3/aws4_request" in authorization
