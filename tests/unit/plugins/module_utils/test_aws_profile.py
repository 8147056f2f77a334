# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWS CLI profile of an unlocked device: where its files are, what they get, writing them (checked first,
only on a change, with the secret masked), with a fake client, and real boto3 reading what was written."""

from __future__ import annotations

import json
import multiprocessing
import os
import pathlib
import stat

import boto3
import pytest

from ansible_collections.fieldops.snowball.plugins.module_utils import _aws_profile
from ansible_collections.fieldops.snowball.plugins.module_utils import _context
from ansible_collections.fieldops.snowball.plugins.module_utils import _files
from ansible_collections.fieldops.snowball.plugins.module_utils._client import EdgeClient
from ansible_collections.fieldops.snowball.plugins.module_utils._device_credentials import read_device_credentials
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.plugins.module_utils._ids import check_access_key_id
from ansible_collections.fieldops.snowball.tests.unit.plugins.fake_task import make_task
from ansible_collections.fieldops.snowball.tests.unit.plugins.module_utils.device_answers import ARN
from ansible_collections.fieldops.snowball.tests.unit.plugins.module_utils.device_answers import IP
from ansible_collections.fieldops.snowball.tests.unit.plugins.module_utils.device_answers import KEY
from ansible_collections.fieldops.snowball.tests.unit.plugins.module_utils.device_answers import NAME
from ansible_collections.fieldops.snowball.tests.unit.plugins.module_utils.device_answers import NEW_SECRET
from ansible_collections.fieldops.snowball.tests.unit.plugins.module_utils.device_answers import OTHER_KEY
from ansible_collections.fieldops.snowball.tests.unit.plugins.module_utils.device_answers import SECRET
from ansible_collections.fieldops.snowball.tests.unit.plugins.module_utils.device_answers import FakeDevice


def client_config(home):
    return str(home / ".aws" / "snowball" / "config" / "snowball-edge.config")


def run(home, device, **params):
    """Read ``device`` through the real client layer and write the profile, as the module does for one device."""
    params.setdefault("aws_profile", NAME)
    params.setdefault("client_config_path", client_config(home))
    options = {key: params.pop(key) for key in ("check_mode", "diff", "add_secret", "warn", "environ") if key in params}
    files = _aws_profile.ProfileFiles(params["aws_profile"], params.get("ca_bundle_dest"), params["client_config_path"],
                                      options.get("environ"))
    if params.get("access_key_id"):
        check_access_key_id(params["access_key_id"])
    client = EdgeClient(make_task(device, home, os.path.dirname(str(home)), config_path=params["client_config_path"]))
    with client.session():
        reading = read_device_credentials(client, None, params.get("device_ip"), params.get("access_key_id"),
                                          options.get("add_secret"))
    return _aws_profile.write_aws_profile(files, reading, check_mode=options.get("check_mode", False),
                                          diff=options.get("diff", False), warn=options.get("warn"))


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
        "[profile {0}]\nregion = snow\nca_bundle = {1}\nservices = {0}-snowball\n"
        "request_checksum_calculation = when_required\nresponse_checksum_validation = when_required\n"
        "s3 =\n  addressing_style = path\n\n[services {0}-snowball]\n"
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
                                                  "list-certificates", "list-services", "get-certificate"]
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
                                % (NAME, KEY, _context.MASK)}
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


def test_a_killed_writes_copies_of_the_secret_are_removed(home, pem):
    run(home, FakeDevice(pem))
    aws = home / ".aws"
    leftovers = [aws / ".credentials.q1w2e3r4", aws / ".config.a1s2d3f4"]
    for leftover in leftovers:
        leftover.write_text("aws_secret_access_key = %s\n" % SECRET)
    (aws / ".credentials.bak").write_text("a backup the user made")
    assert run(home, FakeDevice(pem, keys={KEY: NEW_SECRET}))["changed"] is True
    assert not any(leftover.exists() for leftover in leftovers) and (aws / ".credentials.bak").exists()


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
    def refused(path, mode=0o777):
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(_aws_profile.os, "mkdir", refused)
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
        run(pathlib.Path(home), FakeDevice(pem), aws_profile=name, ca_bundle_dest=os.path.join(home, name + ".pem"))


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


class Sent(Exception):
    """Raised instead of sending a request: no network needed."""

    @classmethod
    def throw(cls):
        raise cls()


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


def test_boto3_with_the_written_profile_uploads_plain_path_style_bodies(home, pem):
    # A device refuses aws-chunked bodies and trailing checksums (NotImplemented), which botocore 1.36 and later
    # send by default; the profile's request_checksum_calculation = when_required turns them off.
    run(home, FakeDevice(pem))  # into the home's ~/.aws, where boto3 looks (the fixture unset every AWS_ variable)
    s3, sent = boto3.session.Session(profile_name=NAME).client("s3"), []
    s3.meta.events.register("before-send", lambda request, **_kwargs: sent.append(request) or Sent.throw())
    with pytest.raises(Sent):
        s3.put_object(Bucket="field-data", Key="notes.txt", Body=b"field notes\n")
    headers = {key.lower(): str(value) for key, value in sent[0].headers.items()}
    assert sent[0].url == "https://192.0.2.10:8443/field-data/notes.txt" and "x-amz-trailer" not in headers
    assert "aws-chunked" not in headers.get("content-encoding", "") and "STREAMING-" not in str(headers)
    assert s3.meta.config.s3["addressing_style"] == "path"
