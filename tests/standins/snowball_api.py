# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A local stand-in for the AWS Snowball job-management API.

It listens on loopback and answers what botocore sends: JSON 1.1 over
``POST /`` with ``X-Amz-Target: AWSIESnowballJobManagementService.<Operation>``,
signed with SigV4.  Each request is checked against botocore's own service
model (target, content type, parameters) and its signature is verified with
the stand-in's credentials; each response is checked against the model's
output shape before it is sent, so the stand-in cannot drift from the API.

With a certificate it speaks HTTPS, as AWS does, for the API and the
manifest URLs alike (``make_certificate`` makes one for 127.0.0.1).

Errors have AWS's real shape: ``{"__type": ..., "message": ...}`` with the
``x-amzn-ErrorType`` header.  ``GetJobManifest`` hands out presigned-style URLs
that this server serves itself and that expire.  Faults can be injected
(throttling, 5xx, delays, dropped connections, truncated manifests).

The server records each call (operation and job id, never a code or a URL)
so tests can count API round trips.

The jobs it knows and what AWS documents about them: aws_jobs.py.
"""

from __future__ import annotations

import datetime
import hmac
import json
import secrets
import time
import uuid
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.validate import ParamValidator

from .api_model import MODEL, check_against_shape
from .aws_jobs import World
from .background_server import BackgroundServer
# re-exported: unit tests of the collection import the private CA from here
from .certificates import make_certificate  # pylint: disable=unused-import

TARGET_PREFIX = "AWSIESnowballJobManagementService."
JSON_CONTENT_TYPE = "application/x-amz-json-1.1"
ACCESS_KEY = "AKIASTANDIN0EXAMPLE0"
SECRET_KEY = "standin/secret/key/for/loopback/only/000"
# Temporary credentials (STS, an ASIA key): IAM user guide id_credentials_temp_use-resources.html, "you must
# include the session token": a request signed with the key but without its X-Amz-Security-Token is refused.
TEMPORARY_ACCESS_KEY = "ASIASTANDIN0EXAMPLE0"
TEMPORARY_SECRET_KEY = "standin/temporary/secret/loopback/only/0"
SESSION_TOKEN = "standin-session-token-for-loopback-only"
_SECRETS = {ACCESS_KEY: (SECRET_KEY, None), TEMPORARY_ACCESS_KEY: (TEMPORARY_SECRET_KEY, SESSION_TOKEN)}
REGION = "us-east-1"
SERVED_OPERATIONS = (
    "DescribeJob",
    "ListJobs",
    "GetJobManifest",
    "GetJobUnlockCode",
    "DescribeCluster",
    "ListClusterJobs",
)
PAGE_SIZE = 2  # small on purpose: every listing test crosses a page boundary


class ApiError(Exception):
    def __init__(self, code, message, status=400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


class SnowballApiHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "SnowballStandIn/1.0"
    # Headers and body go out in two writes; with Nagle on, every call after the first on a
    # kept-alive connection waited out the client's 40 ms delayed ACK, which AWS does not do.
    disable_nagle_algorithm = True

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """Quiet: the request line of a manifest download carries its signature."""

    @property
    def world(self):
        return self.server.world

    # --- HTTP plumbing

    def _send(self, status, body, headers=None):
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send_json(self, status, payload, headers=None):
        headers = dict(headers or {})
        headers.setdefault("Content-Type", JSON_CONTENT_TYPE)
        headers["x-amzn-RequestId"] = str(uuid.uuid4())
        self._send(status, json.dumps(payload).encode(), headers)

    def _send_error(self, error):
        self._send_json(error.status, {"__type": error.code, "message": error.message},
                        {"x-amzn-ErrorType": error.code})

    def _drop_connection(self):
        self.close_connection = True
        self.connection.shutdown(2)

    # --- the API

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        try:
            operation = self._check_envelope(body)
        except ApiError as error:
            self._send_error(error)
            return
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            self._send_error(ApiError("SerializationException", "The request body is not JSON."))
            return
        self.world.record(operation, params.get("JobId") or params.get("ClusterId"))
        if self._inject_fault(operation):
            return
        try:
            report = ParamValidator().validate(params, MODEL.operation_model(operation).input_shape)
            if report.has_errors():
                raise ApiError("ValidationException", report.generate_report())
            result = getattr(self, "op_" + operation)(params)
            check_against_shape(MODEL.operation_model(operation).output_shape, result, operation)
        except ApiError as error:
            self._send_error(error)
            return
        self._send_json(200, result)

    def _check_envelope(self, body):
        target = self.headers.get("X-Amz-Target", "")
        if self.path != "/" or not target.startswith(TARGET_PREFIX):
            raise ApiError("UnknownOperationException", "Expected POST / with an X-Amz-Target header.")
        operation = target[len(TARGET_PREFIX):]
        if operation not in MODEL.operation_names:
            raise ApiError("UnknownOperationException", "Unknown operation %s." % operation)
        if operation not in SERVED_OPERATIONS:
            raise ApiError("UnknownOperationException", "The stand-in does not serve %s." % operation)
        if self.headers.get("Content-Type", "").split(";")[0] != JSON_CONTENT_TYPE:
            raise ApiError("SerializationException", "Expected Content-Type %s." % JSON_CONTENT_TYPE)
        self._check_signature(body)
        return operation

    def _check_signature(self, body):
        authorization = self.headers.get("Authorization", "")
        amz_date = self.headers.get("X-Amz-Date", "")
        if not authorization.startswith("AWS4-HMAC-SHA256 ") or not amz_date:
            raise ApiError("MissingAuthenticationTokenException", "Request is missing a SigV4 Authorization header.", 403)
        fields = dict(part.strip().split("=", 1) for part in authorization[len("AWS4-HMAC-SHA256 "):].split(","))
        access_key, _date, region, service, _terminator = fields["Credential"].split("/")
        secret_key, session_token = _SECRETS.get(access_key, (None, None))
        if secret_key is None or self.headers.get("X-Amz-Security-Token") != session_token:
            raise ApiError("UnrecognizedClientException", "The security token included in the request is invalid.", 400)
        if service != "snowball":
            raise ApiError("InvalidSignatureException", "Credential should be scoped to correct service: 'snowball'.", 403)
        signed = fields["SignedHeaders"].split(";")
        request = AWSRequest(method="POST", url="%s://%s/" % (self.server.scheme, self.headers["Host"]), data=body,
                             headers={name: self.headers[name] for name in signed})
        request.context["timestamp"] = amz_date
        signer = SigV4Auth(Credentials(access_key, secret_key, session_token), "snowball", region)
        expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
        if not hmac.compare_digest(expected, fields["Signature"]):
            raise ApiError("InvalidSignatureException", "The request signature we calculated does not match the signature you provided.", 403)

    def _inject_fault(self, operation):
        faults = self.world.faults
        if not faults.applies_to(operation):
            return False
        if faults.delay_seconds:
            time.sleep(faults.delay_seconds)
        with self.world.lock:
            if faults.drop_next:
                faults.drop_next -= 1
                action = "drop"
            elif faults.throttle_next or (faults.throttle_ratio and faults.random.random() < faults.throttle_ratio):
                faults.throttle_next = max(0, faults.throttle_next - 1)
                action = "throttle"
            elif faults.server_error_next:
                faults.server_error_next -= 1
                action = "5xx"
            elif faults.malformed_next:
                action = faults.malformed_next.pop(0)
            else:
                return False
        if isinstance(action, bytes):
            self._send(200, action, {"Content-Type": JSON_CONTENT_TYPE, "x-amzn-RequestId": str(uuid.uuid4())})
        elif action == "drop":
            self._drop_connection()
        elif action == "throttle":
            self._send_error(ApiError("ThrottlingException", "Rate exceeded"))
        else:
            self._send_error(ApiError("InternalFailure", "We encountered an internal error. Please try again.", 500))
        return True

    def _job(self, job_id):
        job = self.world.jobs.get(job_id)
        if job is None:
            raise ApiError("InvalidResourceException", "The specified job %s does not exist." % job_id)
        return job

    def _released_job(self, job_id):
        job = self._job(job_id)
        state = job["metadata"]["JobState"]
        if state != "WithCustomer":
            raise ApiError("InvalidJobStateException",
                           "The job %s is in state %s; credentials are available only while it is WithCustomer." % (job_id, state))
        if job["parts"] is not None:
            # undocumented what AWS answers for a main job (it has no device); this is the stand-in's choice
            raise ApiError("InvalidResourceException",
                           "The job %s is an export job's main job and has no device of its own." % job_id)
        if self.world.credentials_expired(job_id):
            raise ApiError("InvalidJobStateException",
                           "The credentials of job %s expired 360 days after it was created." % job_id)
        return job

    def op_DescribeJob(self, params):
        job = self._job(params["JobId"])
        result = {"JobMetadata": job["metadata"]}
        if job["parts"] is not None:  # "SubJobMetadata: information about a specific job part (export job)"
            result["SubJobMetadata"] = [self.world.jobs[part]["metadata"] for part in job["parts"]]
        return result

    def op_GetJobUnlockCode(self, params):
        return {"UnlockCode": self._released_job(params["JobId"])["unlock_code"]}

    def op_GetJobManifest(self, params):
        job_id = params["JobId"]
        self._released_job(job_id)
        token = secrets.token_hex(32)
        amz_date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        with self.world.lock:
            self.world.manifest_tokens[token] = (job_id, time.time() + self.world.manifest_url_lifetime)
        uri = ("%s/manifests/%s_manifest.bin?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=%s"
               "&X-Amz-Expires=%d&X-Amz-Credential=%s%%2F%s%%2F%s%%2Fs3%%2Faws4_request&X-Amz-Signature=%s"
               % (self.server.endpoint_url, job_id, amz_date, self.world.manifest_url_lifetime, ACCESS_KEY,
                  amz_date[:8], REGION, token))
        return {"ManifestURI": self.world.faults.manifest_uri or uri}

    def _page(self, entries, params):
        start = int(params.get("NextToken") or 0) if str(params.get("NextToken", "0")).isdigit() else None
        if start is None or start > len(entries):
            raise ApiError("InvalidNextTokenException", "The NextToken is not valid.")
        size = min(params.get("MaxResults") or PAGE_SIZE, PAGE_SIZE)
        result = {"JobListEntries": entries[start:start + size]}
        if start + size < len(entries):
            result["NextToken"] = str(start + size)
        return result

    @staticmethod
    def _list_entry(job):
        metadata = job["metadata"]
        entry = {key: metadata[key] for key in ("JobId", "JobState", "JobType", "SnowballType", "CreationDate", "Description")}
        entry["IsMaster"] = job["parts"] is not None  # "Main jobs aren't associated with any Snowballs"
        return entry

    def op_ListJobs(self, params):
        return self._page([self._list_entry(job) for job in self.world.jobs.values()], params)

    def _cluster(self, cluster_id):
        if cluster_id not in self.world.clusters:
            raise ApiError("InvalidResourceException", "The specified cluster %s does not exist." % cluster_id)
        return self.world.clusters[cluster_id]

    def op_DescribeCluster(self, params):
        return {"ClusterMetadata": self._cluster(params["ClusterId"])}

    def op_ListClusterJobs(self, params):
        self._cluster(params["ClusterId"])
        entries = [self._list_entry(job) for job in self.world.jobs.values()
                   if job["metadata"].get("ClusterId") == params["ClusterId"]]
        return self._page(entries, params)

    # --- presigned manifest downloads

    def do_GET(self):
        parts = urlsplit(self.path)
        token = (parse_qs(parts.query).get("X-Amz-Signature") or [""])[0]
        with self.world.lock:
            grant = self.world.manifest_tokens.get(token)
        if grant is None or not parts.path.startswith("/manifests/"):
            self._send(403, b"<Error><Code>SignatureDoesNotMatch</Code></Error>", {"Content-Type": "application/xml"})
            return
        job_id, expires = grant
        if time.time() > expires:
            self._send(403, b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
                       {"Content-Type": "application/xml"})
            return
        manifest = self.world.jobs[job_id]["manifest"]
        self.world.manifest_downloads.append(job_id)
        faults = self.world.faults
        with self.world.lock:
            truncate = faults.truncate_manifest_next > 0
            faults.truncate_manifest_next = max(0, faults.truncate_manifest_next - 1)
            fault = faults.manifest_fault_next.pop(0) if faults.manifest_fault_next else None
        if fault and self._manifest_fault(fault, manifest):
            return
        self.send_response(200)
        self.send_header("Content-Type", "binary/octet-stream")
        self.send_header("Content-Length", str(len(manifest)))
        self.end_headers()
        self.wfile.write(manifest[: len(manifest) // 2] if truncate else manifest)
        if truncate:
            self._drop_connection()

    def _manifest_fault(self, fault, manifest):
        """Answer a manifest download as Faults.manifest_fault_next says; False: answer normally."""
        if fault == "captive_portal":
            self._send(200, b"<!DOCTYPE html><html><head><title>Guest Wi-Fi</title></head><body><form action="
                       b"'/login'>Accept the terms to continue</form></body></html>\n" + b" " * 512,
                       {"Content-Type": "text/html; charset=utf-8"})
        elif fault == "redirect_elsewhere":
            host, port = self.server.server_address[:2]
            other = "localhost" if host == "127.0.0.1" else "127.0.0.1"
            self._send(302, b"", {"Location": "%s://%s:%d%s" % (self.server.scheme, other, port, self.path)})
        elif fault == "trickle":
            self.send_response(200)
            self.send_header("Content-Type", "binary/octet-stream")
            self.send_header("Content-Length", str(len(manifest)))
            self.end_headers()
            try:
                for index in range(len(manifest)):
                    self.wfile.write(manifest[index:index + 1])
                    self.wfile.flush()
                    time.sleep(self.world.faults.trickle_seconds)  # the fault itself: a slow server, not a wait
            except OSError:
                pass  # the client gave up
            self.close_connection = True
        elif fault == "bad_length":
            self.send_response(200)
            self.send_header("Content-Type", "binary/octet-stream")
            self.send_header("Content-Length", "%dx" % len(manifest))
            self.end_headers()
            self.wfile.write(manifest)
            self.close_connection = True
        else:
            return False
        return True


class SnowballApiServer(BackgroundServer):
    thread_name = "snowball-api-standin"

    def __init__(self, world=None, host="127.0.0.1", port=0, certificate=None):
        """``certificate``: a (certificate file, key file) pair to serve HTTPS with."""
        super().__init__((host, port), SnowballApiHandler)
        self.world = world or World()
        self.scheme = "https" if certificate else "http"
        if certificate:
            self.serve_tls(certificate)

    @property
    def endpoint_url(self):
        host, port = self.server_address[:2]
        return "%s://%s:%d" % (self.scheme, host, port)
