# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A device-like S3 endpoint: HTTPS on the device's IP with the device's own self-signed certificate, answering
as a Snowball Edge answers S3 clients, refusals included.

Sources ("DG" = the Snowball Edge developer guide, archived ``awsdocs/aws-snowball-developer-guide``):

- DG using-adapter.md: the S3 adapter serves HTTPS on 8443 with the certificate the device generates (its
  subject alternative name is the device's IP); SDK users must ``disableChunkedEncoding()`` and use path-style
  access; the AWS CLI it supports is 1.16.14 and older (before aws-chunked uploads and trailing checksums).
- github.com/ansible-collections/amazon.aws/issues/1866 (s3_object against a Snowball Edge) and
  github.com/minio/mc/issues/3452: such a request is answered
  ``NotImplemented`` "A header you provided implies functionality that is not implemented" (S3's error for an
  unimplemented header, HTTP 501). The stricter reading refuses every sign of an aws-chunked body
  (``Content-Encoding: aws-chunked``, ``x-amz-content-sha256: STREAMING-...``, ``x-amz-decoded-content-length``),
  ``Transfer-Encoding: chunked``, trailing checksums (``x-amz-trailer``) and additional checksums
  (``x-amz-checksum-*``, ``x-amz-sdk-checksum-algorithm``: not among the adapter's features), and
  virtual-hosted-style requests (the bucket in the host name).
- DG using-adapter-supported-api.md: the adapter ("adapter") serves GET Service, HEAD Bucket, GET Bucket
  version 1 only ("GET Bucket (List Objects) version 2 is not supported"; no pagination, markers or
  delimiters), HEAD/GET/PUT/DELETE Object and multipart uploads; S3 compatible storage on Snow ("s3-snow", HTTPS
  443 on its own interfaces: device_services) adds ListObjectsV2. Anything else: an error saying so.
- S3 API reference for the XML shapes and headers; SigV4 as botocore signs it (the signature is checked with
  the device's access key).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import os
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, unquote, urlsplit

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from .background_server import BackgroundServer
from .s3_operations import XMLNS, S3Error, S3Operations, element, xml

NOT_IMPLEMENTED = "A header you provided implies functionality that is not implemented"
KINDS = {"adapter": 8443, "s3-snow": 443}


def not_implemented(what):
    return S3Error(501, "NotImplemented", NOT_IMPLEMENTED if what is None else "%s (%s)" % (NOT_IMPLEMENTED, what))


def refusal(headers, host, device_ip):
    """The NotImplemented a device answers for this request's headers, or None."""
    lower = {name.lower(): value for name, value in headers.items()}
    if "aws-chunked" in lower.get("content-encoding", "").lower():
        return not_implemented("Content-Encoding: aws-chunked")
    if lower.get("x-amz-content-sha256", "").upper().startswith("STREAMING-"):
        return not_implemented("x-amz-content-sha256: %s" % lower["x-amz-content-sha256"])
    if "chunked" in lower.get("transfer-encoding", "").lower():
        return not_implemented("Transfer-Encoding: chunked")
    for name in sorted(lower):
        if name in ("x-amz-trailer", "x-amz-decoded-content-length", "x-amz-sdk-checksum-algorithm") \
                or name.startswith("x-amz-checksum-") and name != "x-amz-checksum-mode":
            return not_implemented(name)
    hostname = re.sub(r":\d+\Z", "", host or "").strip("[]")
    if hostname != device_ip:
        return not_implemented("virtual-hosted-style request for %s" % hostname)
    return None


class DeviceS3Store:
    """The device's buckets: {bucket: {key: (bytes, etag, modified)}} and open multipart uploads."""

    def __init__(self, buckets=()):
        self.lock = threading.Lock()
        self.buckets = {name: {} for name in buckets}
        self.created = {name: datetime.datetime.now(datetime.timezone.utc).timestamp() for name in buckets}
        self.uploads = {}
        self.requests = []  # (method, path, refused error code or None): what the tests count


class DeviceS3Handler(S3Operations, BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "AWSSnowball"  # the Server header of DG using-adapter-supported-api.md's example
    sys_version = ""
    disable_nagle_algorithm = True

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """Quiet."""

    @property
    def store(self):
        return self.server.store

    # --- plumbing

    def _send(self, status, body=b"", headers=None):
        self.send_response(status)
        self.send_header("x-amz-request-id", uuid.uuid4().hex[:16].upper())
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if self.command != "HEAD" or "Content-Length" not in (headers or {}):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_error(self, error):
        body = b""
        if self.command != "HEAD":  # S3's error documents carry no namespace
            body = xml("Error", element("Code", error.code), element("Message", error.message))
            body = body.replace((' xmlns="%s"' % XMLNS).encode(), b"")
        self._send(error.status, body, {"Content-Type": "application/xml"})

    def handle_expect_100(self):
        """A refused upload is answered before its body is sent, as RFC 9110 lets a server do."""
        error = refusal(self.headers, self.headers.get("Host"), self.server.device_ip)
        if error is None:
            return super().handle_expect_100()
        self.store.requests.append((self.command, self.path, error.code))
        self.close_connection = True
        self._send_error(error)
        return False

    def _drain(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True  # not worth parsing: the refusal ends the connection
            return
        length = int(self.headers.get("Content-Length") or 0)
        while length > 0:
            length -= len(self.rfile.read(min(length, 1 << 20)))

    def _route(self):
        error = refusal(self.headers, self.headers.get("Host"), self.server.device_ip)
        if error is not None:
            self._drain()
            self.store.requests.append((self.command, self.path, error.code))
            raise error
        parts = urlsplit(self.path)
        query = {name: values[0] for name, values in parse_qs(parts.query, keep_blank_values=True).items()}
        bucket, _slash, key = parts.path.lstrip("/").partition("/")
        body = self._body()
        self._check_signature(body)
        self.store.requests.append((self.command, self.path, None))
        return unquote(bucket), unquote(key), query, body

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        chunks, left = [], length
        while left > 0:
            chunk = self.rfile.read(min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def _check_signature(self, body):
        authorization = self.headers.get("Authorization", "")
        match = re.match(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/s3/aws4_request, ?"
                         r"SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})\Z", authorization)
        if not match:
            raise S3Error(403, "AccessDenied", "Request is not signed with SigV4.")
        access_key, _day, region, signed, signature = match.groups()
        if access_key != self.server.access_key:
            raise S3Error(403, "InvalidAccessKeyId", "The AWS access key Id you provided does not exist in our records.")
        payload = self.headers.get("x-amz-content-sha256", "")
        if payload != "UNSIGNED-PAYLOAD" and payload != hashlib.sha256(body).hexdigest():
            raise S3Error(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match "
                          "what was computed.")
        request = AWSRequest(method=self.command, url="https://%s%s" % (self.headers["Host"], self.path),
                             headers={name: self.headers[name] for name in signed.split(";")})
        request.context["timestamp"] = self.headers.get("X-Amz-Date", "")
        signer = S3SigV4Auth(Credentials(self.server.access_key, self.server.secret_key), "s3", region)
        expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
        if not hmac.compare_digest(expected, signature):
            raise S3Error(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the "
                          "signature you provided.")

    def _serve(self):
        try:
            bucket, key, query, body = self._route()
            handler = self._operation(bucket, key, query)
            handler(bucket, key, query, body)
        except S3Error as error:
            self._send_error(error)

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _serve

    def _operation(self, bucket, key, query):
        method, adapter = self.command, self.server.kind == "adapter"
        if not bucket:
            if method == "GET":
                return self.list_buckets
        elif not key:
            if method == "HEAD":
                return self.head_bucket
            if method == "GET" and query.get("list-type") == "2":
                if adapter:  # DG: "GET Bucket (List Objects) version 2 is not supported"
                    raise not_implemented("ListObjectsV2: only GET Bucket version 1 is supported")
                return self.list_objects_v2
            if method == "GET" and not set(query) - {"prefix", "encoding-type", "max-keys"}:
                return self.list_objects
            if method == "PUT" and not query:
                return self.create_bucket
        elif method == "POST" and "uploads" in query:
            return self.create_multipart_upload
        elif method == "PUT" and "uploadId" in query and "partNumber" in query:
            return self.upload_part
        elif method == "POST" and "uploadId" in query:
            return self.complete_multipart_upload
        elif method == "DELETE" and "uploadId" in query:
            return self.abort_multipart_upload
        elif method == "PUT" and not query:
            return self.put_object
        elif method in ("GET", "HEAD") and not set(query) - {"partNumber"}:
            return self.get_object
        elif method == "DELETE" and not query:
            return self.delete_object
        raise not_implemented("%s %s is not supported by this device" % (method, self.path.split("?")[0]))


class DeviceS3Server(BackgroundServer):
    """The endpoint of one device: ``kind`` "adapter" (port 8443) or "s3-snow" (443), serving ``store``."""

    thread_name = "device-s3"

    def __init__(self, device_ip, certificate, access_key, secret_key, kind="adapter", store=None, port=None):
        """``certificate``: (certificate file, key file), the device's own (SAN = ``device_ip``)."""
        if kind not in KINDS:
            raise ValueError("kind must be one of %s" % sorted(KINDS))
        super().__init__((device_ip, KINDS[kind] if port is None else port), DeviceS3Handler)
        self.device_ip, self.kind = device_ip, kind
        self.access_key, self.secret_key = access_key, secret_key
        self.store = store or DeviceS3Store()
        self.serve_tls(certificate)

    @property
    def endpoint_url(self):
        return "https://%s:%d" % (self.device_ip, self.server_address[1])


def write_device_certificate(directory, device_ip):
    """The device's self-signed certificate and key as files: (certificate file, key file). The certificate
    file is what a client uses as its ca_bundle (DG using-adapter.md: save it to a local ca-bundle.pem)."""
    from .certificates import build_certificate  # pylint: disable=import-outside-toplevel

    certificate, key = build_certificate(device_ip, "Snowball Edge " + device_ip)
    paths = os.path.join(directory, "device-%s.pem" % device_ip), os.path.join(directory, "device-%s-key.pem" % device_ip)
    for path, data in zip(paths, (certificate, key)):
        with open(path, "wb") as handle:
            handle.write(data)
    os.chmod(paths[1], 0o600)
    return paths
