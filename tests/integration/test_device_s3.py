# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Copying data to a device's S3 with today's boto3 and AWS CLI, against a device-like endpoint
(tests/standins/s3_device.py) on the device's own IP and port, in a network namespace the test creates so that
nothing leaves the machine.

The profile is the one snowball_edge_credentials writes (a real ansible-playbook run against the simulated client,
whose device has the endpoint's certificate and key pair): with it, which asks for plain, path-style requests (request_checksum_calculation and
response_checksum_validation when_required, s3 addressing_style path), uploads, downloads and listings work; the
same profile without those settings is refused with the device's NotImplemented, as real devices refuse today's
SDKs (github.com/ansible-collections/amazon.aws/issues/1866). Which keys each SDK reads: botocore/configprovider.py
(request_checksum_calculation, response_checksum_validation: botocore 1.36.0 and later, the first to send
aws-chunked uploads with trailing checksums by default; s3.addressing_style: long before), s3transfer's manager
(no default checksum when request_checksum_calculation is when_required) and awscli 1.37.0 and later, which pass
the profile to botocore and s3transfer unchanged."""

from __future__ import annotations

import configparser
import hashlib
import http.client
import os
import secrets
import ssl
import string
import subprocess
import sys

import pytest

from ansible_collections.fieldops.snowball.tests.integration.test_device import profile_task, run, task, unlock_task
from ansible_collections.fieldops.snowball.tests.standins import netns
from ansible_collections.fieldops.snowball.tests.standins.s3_device import KINDS, DeviceS3Server, DeviceS3Store
from ansible_collections.fieldops.snowball.tests.standins.s3_device import write_device_certificate

IP = "192.0.2.10"
BUCKET = "field-data"
PROFILE = "rack-192.0.2.10"
NOT_IMPLEMENTED = "A header you provided implies functionality that is not implemented"
UNAVAILABLE = netns.unavailable_reason()
pytestmark = pytest.mark.skipif(UNAVAILABLE is not None, reason="needs a private network namespace: %s" % UNAVAILABLE)


def write_aws_profile(home, endpoint_url, ca_bundle, access_key, secret_key, plain_requests=True):
    """An AWS CLI/SDK profile for the device written by hand (region snow, the device's certificate as
    ca_bundle, a services section with the S3 endpoint): the control, without ``plain_requests``, shows what the
    endpoint refuses; with it, the settings alone (the endpoint's own tests). Returns the environment."""
    aws = os.path.join(home, ".aws")
    os.makedirs(aws, mode=0o700, exist_ok=True)
    config = configparser.ConfigParser()
    profile = {"region": "snow", "ca_bundle": ca_bundle, "services": PROFILE + "-snowball"}
    if plain_requests:
        profile.update({"request_checksum_calculation": "when_required", "response_checksum_validation": "when_required",
                        "s3": "\naddressing_style = path"})
    config["profile " + PROFILE] = profile
    config["services %s-snowball" % PROFILE] = {"s3": "\nendpoint_url = %s" % endpoint_url}
    credentials = configparser.ConfigParser()
    credentials[PROFILE] = {"aws_access_key_id": access_key, "aws_secret_access_key": secret_key}
    for name, parser in (("config", config), ("credentials", credentials)):
        with open(os.path.join(aws, name), "w", encoding="utf-8") as handle:
            parser.write(handle)
    return {"HOME": home, "AWS_CONFIG_FILE": os.path.join(aws, "config"),
            "AWS_SHARED_CREDENTIALS_FILE": os.path.join(aws, "credentials"), "AWS_PROFILE": PROFILE}


class Device:
    """A device's S3 endpoint in its own namespace, and the way to run clients beside it. With ``site``, the
    simulated device at IP has the endpoint's certificate and key pair, so the module can write its profile."""

    def __init__(self, root, kind, site=None):
        self.root, self.site = str(root), site
        self.certificate = write_device_certificate(self.root, IP)
        if site is None:
            self.access_key = "AKIA" + "".join(secrets.choice(string.ascii_uppercase + string.digits)
                                               for _char in range(16))
            self.secret_key = secrets.token_urlsafe(30)[:40]
        else:
            with open(self.certificate[0], encoding="ascii") as handle:
                pem = handle.read()
            # S3 on Snow's bucket and object interfaces on the device's own IP: the namespace has that one address
            self.job_id = site.add_device(ip=IP, s3=kind, s3_snow_ips=[IP, IP], certificate_pem=pem)
            (self.access_key, self.secret_key), = site.access_keys(IP).items()
        self.namespace = netns.NetworkNamespace([IP])
        try:
            self.server = self.namespace.run(DeviceS3Server, IP, self.certificate, self.access_key, self.secret_key,
                                             kind=kind, store=DeviceS3Store([BUCKET])).start()
        except BaseException:
            self.namespace.close()
            raise

    def close(self):
        self.server.stop()
        self.namespace.close()

    def profile(self, plain_requests=True):
        """The environment that selects the profile: the module's (the site's unlock and credentials tasks) or,
        without ``plain_requests``, a control profile written by hand without the plain-request settings."""
        if not plain_requests or self.site is None:
            home = os.path.join(self.root, "home-plain" if plain_requests else "home-control")
            return write_aws_profile(home, self.server.endpoint_url, self.certificate[0], self.access_key,
                                     self.secret_key, plain_requests)
        return module_profile(self.site, self.job_id, self.server.endpoint_url)

    def boto3(self, environment, work):
        """``work(s3_client)`` inside the namespace, with only ``environment`` choosing the profile."""

        def inside():
            import boto3  # pylint: disable=import-outside-toplevel
            import botocore.session  # pylint: disable=import-outside-toplevel

            # Only the profile decides: this machine's AWS_* variables (AWS_CA_BUNDLE above all, which wins over
            # a profile's ca_bundle) are put aside while the client is made, which is when botocore reads them.
            saved = {key: os.environ.pop(key) for key in list(os.environ) if key.startswith("AWS_")}
            try:
                session = botocore.session.Session()
                session.set_config_variable("config_file", environment["AWS_CONFIG_FILE"])
                session.set_config_variable("credentials_file", environment["AWS_SHARED_CREDENTIALS_FILE"])
                client = boto3.session.Session(botocore_session=session,
                                               profile_name=environment["AWS_PROFILE"]).client("s3")
            finally:
                os.environ.update(saved)
            return work(client)

        return self.namespace.run(inside)

    def aws(self, environment, *args):
        """The awscli package's ``aws`` inside the namespace; returns the CompletedProcess."""
        env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
        env.update(environment)
        command = [os.path.join(os.path.dirname(sys.executable), "aws")] + list(args)
        if not os.path.exists(command[0]):  # the matrix's floors cell: its botocore 1.34 has no pinned AWS CLI
            pytest.skip("the awscli package is not installed beside this Python (make test and the cells on "
                        "requirements-dev.txt's botocore have it)")
        return self.namespace.run(subprocess.run, command, env=env, capture_output=True, text=True, timeout=300,
                                  check=False)

    def raw(self, method, path, headers, body=b""):
        """One HTTPS request as given (no SDK): (status, body)."""

        def inside():
            context = ssl.create_default_context(cafile=self.certificate[0])
            connection = http.client.HTTPSConnection(IP, self.server.server_address[1], context=context, timeout=30)
            try:
                connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
                for name, value in headers.items():
                    connection.putheader(name, value)
                connection.endheaders(body)
                response = connection.getresponse()
                return response.status, response.read()
            finally:
                connection.close()

        return self.namespace.run(inside)


def module_profile(site, job_id, endpoint_url):
    """Unlock the simulated device and let snowball_edge_credentials write profile PROFILE into the site's
    home; returns the environment that selects it (the files botocore reads there)."""
    tasks = profile_task(site, job_id, IP) + unlock_task() + """
    - name: Credentials
      fieldops.snowball.snowball_edge_credentials:
        profile: dev
        aws_profile: %s
""" % PROFILE
    result = task(run(site, tasks), "Credentials")
    # the written URL leaves HTTPS's own port 443 out
    assert result.get("failed") is not True and result["endpoints"]["s3"] == endpoint_url.replace(":443", ""), result
    return {"HOME": site.home, "AWS_CONFIG_FILE": result["config_file"],
            "AWS_SHARED_CREDENTIALS_FILE": result["credentials_file"], "AWS_PROFILE": PROFILE}


@pytest.fixture(params=sorted(KINDS), ids=["S3 adapter on 8443", "S3 on Snow on 443"])
def device(request, tmp_path, site):
    device = Device(tmp_path, request.param, site)
    yield device
    device.close()


@pytest.fixture
def adapter(tmp_path):
    device = Device(tmp_path, "adapter")
    yield device
    device.close()


def big_file(directory, size=9 * 1024 * 1024):
    """Above boto3's and the CLI's 8 MiB multipart threshold: uploaded in parts."""
    path = os.path.join(directory, "big.bin")
    with open(path, "wb") as handle:
        handle.write(os.urandom(size))
    return path


def test_the_endpoint_is_the_devices_own_ip_port_and_certificate(adapter):
    assert adapter.server.endpoint_url == "https://%s:8443" % IP
    status, _body = adapter.raw("HEAD", "/" + BUCKET, {"Host": "%s:8443" % IP})
    assert status == 403  # it answers over TLS checked against the device's certificate, and wants a signature


def test_boto3_uploads_downloads_and_lists_with_the_plain_request_settings(device, tmp_path):
    path = big_file(str(tmp_path))
    with open(path, "rb") as handle:
        expected = hashlib.sha256(handle.read()).hexdigest()

    def work(s3):
        s3.put_object(Bucket=BUCKET, Key="notes/small.txt", Body=b"field notes\n")
        s3.upload_file(path, BUCKET, "images/big.bin")
        small = s3.get_object(Bucket=BUCKET, Key="notes/small.txt")["Body"].read()
        big = hashlib.sha256(s3.get_object(Bucket=BUCKET, Key="images/big.bin")["Body"].read()).hexdigest()
        listed = sorted(entry["Key"] for entry in s3.list_objects(Bucket=BUCKET)["Contents"])
        return small, big, listed

    small, big, listed = device.boto3(device.profile(), work)
    assert (small, big, listed) == (b"field notes\n", expected, ["images/big.bin", "notes/small.txt"])
    uploads = [path for method, path, refused in device.server.store.requests if method == "PUT" and "partNumber=" in path]
    assert len(uploads) == 2 and not any(refused for _method, _path, refused in device.server.store.requests)


def test_list_objects_v2_is_served_by_s3_on_snow_only(device):
    def work(s3):
        s3.put_object(Bucket=BUCKET, Key="a/b.txt", Body=b"x")
        try:
            return [entry["Key"] for entry in s3.list_objects_v2(Bucket=BUCKET)["Contents"]]
        except s3.exceptions.ClientError as error:
            return error.response["Error"]["Code"]

    answer = device.boto3(device.profile(), work)
    # DG using-adapter-supported-api.md: the adapter serves GET Bucket version 1 only
    assert answer == (["a/b.txt"] if device.server.kind == "s3-snow" else "NotImplemented")


def test_the_aws_cli_copies_up_and_down_and_lists_with_the_plain_request_settings(device, tmp_path):
    path = big_file(str(tmp_path))
    small = os.path.join(str(tmp_path), "small.txt")
    with open(small, "w", encoding="utf-8") as handle:
        handle.write("field notes\n")
    environment = device.profile()
    for source, target in ((small, "s3://%s/notes/small.txt" % BUCKET), (path, "s3://%s/images/big.bin" % BUCKET),
                           ("s3://%s/images/big.bin" % BUCKET, path + ".back")):
        copied = device.aws(environment, "s3", "cp", source, target)
        assert copied.returncode == 0, copied.stderr
    with open(path, "rb") as original, open(path + ".back", "rb") as back:
        assert original.read() == back.read()
    buckets = device.aws(environment, "s3", "ls")
    assert buckets.returncode == 0 and BUCKET in buckets.stdout, buckets.stderr
    if device.server.kind == "s3-snow":  # `aws s3 ls s3://bucket` lists with ListObjectsV2
        listed = device.aws(environment, "s3", "ls", "--recursive", "s3://%s/" % BUCKET)
        assert listed.returncode == 0 and "images/big.bin" in listed.stdout and "notes/small.txt" in listed.stdout


def _botocore_sends_checksums_by_default():
    import botocore  # pylint: disable=import-outside-toplevel

    return tuple(int(part) for part in botocore.__version__.split(".")[:2]) >= (1, 36)


@pytest.mark.skipif(not _botocore_sends_checksums_by_default(),
                    reason="botocore before 1.36 (the floors cell) sends plain uploads without the profile's settings: "
                           "there is nothing for the control to show")
def test_a_profile_without_the_settings_is_refused_as_a_device_refuses_it(device, tmp_path):
    environment = device.profile(plain_requests=False)

    def work(s3):
        try:
            s3.put_object(Bucket=BUCKET, Key="notes/small.txt", Body=b"field notes\n")
        except s3.exceptions.ClientError as error:
            return error.response["Error"]
        return None

    error = device.boto3(environment, work)
    assert error is not None and error["Code"] == "NotImplemented" and error["Message"].startswith(NOT_IMPLEMENTED)
    small = os.path.join(str(tmp_path), "small.txt")
    with open(small, "w", encoding="utf-8") as handle:
        handle.write("field notes\n")
    copied = device.aws(environment, "s3", "cp", small, "s3://%s/notes/small.txt" % BUCKET)
    assert copied.returncode != 0 and "NotImplemented" in copied.stderr
    assert device.aws(environment, "s3", "ls").returncode == 0  # why the quick start looked fine
    assert not device.server.store.buckets[BUCKET]  # nothing was stored


@pytest.mark.parametrize("headers", [
    {"Host": "%s.%s:8443" % (BUCKET, IP)},
    {"Host": "%s:8443" % IP, "Transfer-Encoding": "chunked"},
    {"Host": "%s:8443" % IP, "Content-Encoding": "aws-chunked", "Content-Length": "0"},
    {"Host": "%s:8443" % IP, "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "Content-Length": "0"},
    {"Host": "%s:8443" % IP, "x-amz-trailer": "x-amz-checksum-crc32", "Content-Length": "0"},
], ids=["virtual-hosted", "transfer-encoding chunked", "aws-chunked", "streaming payload", "trailing checksum"])
def test_what_a_device_does_not_implement_is_refused_before_anything_else(adapter, headers):
    path = "/key.txt" if headers["Host"].startswith(BUCKET) else "/%s/key.txt" % BUCKET
    body = b"0\r\n\r\n" if headers.get("Transfer-Encoding") else b""
    status, answer = adapter.raw("PUT", path, headers, body)
    assert status == 501 and b"<Code>NotImplemented</Code>" in answer and NOT_IMPLEMENTED.encode() in answer
