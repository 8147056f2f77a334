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

What AWS documents, and the stand-in therefore does (botocore's ``snowball``
model is the source unless another is named):

- credentials (code and manifest) only while the job is ``WithCustomer`` and
  for 360 days after the job was created (GetJobManifest, GetJobUnlockCode);
- a long-term-pricing job (``JobMetadata.LongTermPricingId``) older than that:
  that AWS still releases its credentials is *not* documented, so the stand-in
  makes it a knob (released by default, ``credentials_expired=True`` refuses);
- a cluster's nodes are one job each, but one manifest and one code unlock the
  whole cluster (developer guide, using-client-commands.md, how-it-works.md):
  every node's job hands out the cluster's code and manifest;
- an export job's main job (``MID...``) has no device: ListJobs marks it
  ``IsMaster``, DescribeJob lists its parts in ``SubJobMetadata`` (there is no
  ``JobParts`` member in the model).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import os
import random
import re
import secrets
import ssl
import string
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.validate import ParamValidator

TARGET_PREFIX = "AWSIESnowballJobManagementService."
JSON_CONTENT_TYPE = "application/x-amz-json-1.1"
ACCESS_KEY = "AKIASTANDIN0EXAMPLE0"
SECRET_KEY = "standin/secret/key/for/loopback/only/000"
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

_MODEL = botocore.session.get_session().get_service_model("snowball")


def new_job_id(prefix="JID"):
    """``JID`` for a device's job, ``MID`` for an export job's main job (the model's JobId pattern)."""
    return prefix + str(uuid.uuid4())


MANIFEST_MAGIC = b"SNOWBALL-MANIFEST\x00"


def new_manifest(job_id, unlock_code):
    """An opaque manifest that, like AWS's, only its own code opens ("Your job's manifest is encrypted so
    that only the job's unlock code can decrypt it", developer guide unlockdevice.md): it carries a salted
    hash of the code, which the simulated client's ``configure`` checks. The code itself is not in it."""
    salt = secrets.token_bytes(16)
    return (MANIFEST_MAGIC + job_id.encode() + b"\x00" + salt + hashlib.sha256(salt + unlock_code.encode()).digest()
            + secrets.token_bytes(512))


def new_unlock_code():
    """A code of the documented form: five groups of five alphanumerics."""
    alphabet = string.ascii_lowercase + string.digits
    return "-".join("".join(secrets.choice(alphabet) for _char in range(5)) for _group in range(5))


class ApiError(Exception):
    def __init__(self, code, message, status=400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def check_against_shape(shape, value, where="response"):
    """Fail loudly when ``value`` carries anything the model does not define."""
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            raise AssertionError("%s: expected an object" % where)
        unknown = set(value) - set(shape.members)
        if unknown:
            raise AssertionError("%s: members not in the model: %s" % (where, sorted(unknown)))
        for name, member in value.items():
            check_against_shape(shape.members[name], member, "%s.%s" % (where, name))
    elif kind == "list":
        for index, item in enumerate(value):
            check_against_shape(shape.member, item, "%s[%d]" % (where, index))
    elif kind == "string":
        if not isinstance(value, str):
            raise AssertionError("%s: expected a string" % where)
        if shape.enum and value not in shape.enum:
            raise AssertionError("%s: %r is not one of %s" % (where, value, shape.enum))
        limits = shape.metadata
        if not limits.get("min", 0) <= len(value) <= limits.get("max", len(value)):
            raise AssertionError("%s: %r has a length outside %s..%s" % (where, value, limits.get("min"), limits.get("max")))
        if limits.get("pattern") and not re.fullmatch(limits["pattern"], value):
            raise AssertionError("%s: %r does not match %s" % (where, value, limits["pattern"]))
    elif kind == "timestamp":
        if not isinstance(value, (int, float)):
            raise AssertionError("%s: JSON 1.1 timestamps are epoch seconds" % where)
    elif kind == "boolean":
        if not isinstance(value, bool):
            raise AssertionError("%s: expected a boolean" % where)
    elif kind in ("integer", "long", "double", "float"):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise AssertionError("%s: expected a number" % where)


class Faults:
    """What the next calls should suffer. Counters are consumed per call."""

    def __init__(self):
        self.throttle_next = 0
        self.server_error_next = 0
        self.drop_next = 0
        self.delay_seconds = 0.0
        self.throttle_ratio = 0.0
        self.truncate_manifest_next = 0
        # Bodies (bytes) answered with 200 instead of the next API answers: a truncated or malformed response.
        self.malformed_next = []
        # What the next manifest downloads get instead of the manifest: "captive_portal" (a 200 HTML page),
        # "redirect_elsewhere" (a redirect to the same server under another host name), "trickle" (the
        # manifest one byte every trickle_seconds), "bad_length" (the manifest under a Content-Length that is
        # not a number).
        self.manifest_fault_next = []
        self.trickle_seconds = 0.5
        self.manifest_uri = None  # a ManifestURI GetJobManifest answers instead of its own (e.g. file://)
        self.operations = None  # None: every operation; else a set of names
        self.random = random.Random(20161130)

    def applies_to(self, operation):
        return self.operations is None or operation in self.operations


class World:
    """The jobs, clusters and manifests the stand-in knows about."""

    def __init__(self):
        self.jobs = {}
        self.clusters = {}
        self.cluster_credentials = {}  # cluster id -> its one code and manifest
        self.calls = []
        self.manifest_downloads = []
        self.manifest_url_lifetime = 3600
        self.manifest_tokens = {}
        self.faults = Faults()
        self.lock = threading.Lock()

    def add_job(self, job_id=None, state="WithCustomer", age_days=3, unlock_code=None,
                manifest=None, cluster_id=None, description="fieldops stand-in job", long_term_pricing=False,
                credentials_expired=None, job_type="LOCAL_USE", snowball_type="V3_5C",
                remote_management="INSTALLED_ONLY"):
        """A job with a device. A job in a cluster gets the cluster's one code and manifest (the first node's
        job makes them) unless ``unlock_code`` / ``manifest`` say otherwise.

        ``long_term_pricing``: the job has a LongTermPricingId. ``credentials_expired``: whether AWS refuses
        the job's code and manifest for its age; None applies the documented rule (older than 360 days),
        except for long-term-pricing jobs, whose credentials the stand-in keeps releasing (undocumented:
        set True to make AWS refuse them too).

        ``snowball_type``: the model's SnowballType; V3_5C and V3_5S are the types still orderable (EDGE_C and
        the other older ones are discontinued). ``remote_management``: JobMetadata.RemoteManagement, one of the
        model's INSTALLED_ONLY, INSTALLED_AUTOSTART, NOT_INSTALLED (None: not reported). ``job_type``: IMPORT,
        EXPORT or LOCAL_USE (the model's JobType). The API has one state, InProgress, for what the console calls
        "Exporting" (AWS is exporting your data from Amazon S3 onto a device) and "Importing" (AWS is importing
        your data into Amazon S3): developer guide jobstatuses.md. Which one a job is in follows from its type.
        """
        job_id = job_id or new_job_id()
        created = time.time() - age_days * 86400
        if cluster_id:
            shared = self.cluster_credentials.get(cluster_id, {})
            unlock_code = unlock_code or shared.get("unlock_code")
            manifest = manifest if manifest is not None else shared.get("manifest")
        unlock_code = unlock_code or new_unlock_code()
        job = {
            "metadata": {
                "JobId": job_id,
                "JobState": state,
                "JobType": job_type,
                "SnowballType": snowball_type,
                "CreationDate": created,
                "Description": description,
            },
            "unlock_code": unlock_code,
            "manifest": manifest if manifest is not None else new_manifest(job_id, unlock_code),
            "credentials_expired": credentials_expired,
            "parts": None,  # an export job's main job: the ids of its parts
        }
        if remote_management:
            job["metadata"]["RemoteManagement"] = remote_management
        if long_term_pricing:
            job["metadata"]["LongTermPricingId"] = "LTPID" + str(uuid.uuid4())
        if cluster_id:
            job["metadata"]["ClusterId"] = cluster_id
            self.clusters.setdefault(cluster_id, {
                "ClusterId": cluster_id, "ClusterState": "InUse", "JobType": job_type,
                "SnowballType": snowball_type, "CreationDate": created, "Description": "stand-in cluster",
            })
            self.cluster_credentials.setdefault(cluster_id, {"unlock_code": job["unlock_code"], "manifest": job["manifest"]})
        self.jobs[job_id] = job
        return job

    def add_export_job(self, parts=2, state="WithCustomer", age_days=3, **options):
        """An export job: a main job (``MID...``, no device of its own) and ``parts`` job parts (``JID...``),
        each with its own device, code and manifest. Returns (main job, [part jobs])."""
        part_jobs = [self.add_job(state=state, age_days=age_days, job_type="EXPORT",
                                  description="fieldops stand-in export job part", **options) for _part in range(parts)]
        main = self.add_job(job_id=new_job_id("MID"), state=state, age_days=age_days, job_type="EXPORT",
                            description="fieldops stand-in export job", **options)
        main["parts"] = [part["metadata"]["JobId"] for part in part_jobs]
        return main, part_jobs

    def credentials_expired(self, job_id):
        job = self.jobs[job_id]
        if job["credentials_expired"] is not None:
            return job["credentials_expired"]
        too_old = time.time() - job["metadata"]["CreationDate"] > 360 * 86400
        return too_old and "LongTermPricingId" not in job["metadata"]

    def set_state(self, job_id, state):
        self.jobs[job_id]["metadata"]["JobState"] = state

    def record(self, operation, job_id=None):
        with self.lock:
            self.calls.append({"operation": operation, "job_id": job_id, "time": time.time()})

    def count(self, operation=None, job_id=None):
        return sum(1 for call in self.calls
                   if (operation is None or call["operation"] == operation)
                   and (job_id is None or call["job_id"] == job_id))

    def reset_calls(self):
        with self.lock:
            self.calls = []
            self.manifest_downloads = []


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
            report = ParamValidator().validate(params, _MODEL.operation_model(operation).input_shape)
            if report.has_errors():
                raise ApiError("ValidationException", report.generate_report())
            result = getattr(self, "op_" + operation)(params)
            check_against_shape(_MODEL.operation_model(operation).output_shape, result, operation)
        except ApiError as error:
            self._send_error(error)
            return
        self._send_json(200, result)

    def _check_envelope(self, body):
        target = self.headers.get("X-Amz-Target", "")
        if self.path != "/" or not target.startswith(TARGET_PREFIX):
            raise ApiError("UnknownOperationException", "Expected POST / with an X-Amz-Target header.")
        operation = target[len(TARGET_PREFIX):]
        if operation not in _MODEL.operation_names:
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
        if access_key != ACCESS_KEY:
            raise ApiError("UnrecognizedClientException", "The security token included in the request is invalid.", 400)
        if service != "snowball":
            raise ApiError("InvalidSignatureException", "Credential should be scoped to correct service: 'snowball'.", 403)
        signed = fields["SignedHeaders"].split(";")
        request = AWSRequest(method="POST", url="%s://%s/" % (self.server.scheme, self.headers["Host"]), data=body,
                             headers={name: self.headers[name] for name in signed})
        request.context["timestamp"] = amz_date
        signer = SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "snowball", region)
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


class SnowballApiServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, world=None, host="127.0.0.1", port=0, certificate=None):
        """``certificate``: a (certificate file, key file) pair to serve HTTPS with."""
        super().__init__((host, port), SnowballApiHandler)
        self.world = world or World()
        self._thread = None
        self.scheme = "https" if certificate else "http"
        if certificate:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*certificate)
            # The handshake happens in the handler's thread, so a client that refuses the
            # certificate cannot stall the accept loop.
            self.socket = context.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)

    @property
    def endpoint_url(self):
        host, port = self.server_address[:2]
        return "%s://%s:%d" % (self.scheme, host, port)

    def finish_request(self, request, client_address):
        if isinstance(request, ssl.SSLSocket):
            try:
                request.do_handshake()
            except (ssl.SSLError, OSError):
                return  # the client did not trust the certificate: nothing to answer
        super().finish_request(request, client_address)

    def start(self):
        self._thread = threading.Thread(target=self.serve_forever, name="snowball-api-standin", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self.shutdown()
        self.server_close()
        if self._thread:
            self._thread.join()


def build_certificate(host="127.0.0.1", common_name="fieldops stand-in CA"):
    """A self-signed certificate for ``host`` (an IP address) that is its own CA: returns (certificate PEM,
    key PEM) as bytes. Serves the TLS API stand-in and each simulated device's own certificate (a device
    generates a self-signed certificate whose subject alternative name is its IP, developer guide
    using-client-commands.md, "Getting Your Certificate")."""
    import ipaddress  # pylint: disable=import-outside-toplevel

    from cryptography import x509  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives import hashes, serialization  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives.asymmetric import ec  # pylint: disable=import-outside-toplevel
    from cryptography.x509.oid import NameOID  # pylint: disable=import-outside-toplevel

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    public_key = key.public_key()
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public_key), critical=False)
        .sign(key, hashes.SHA256())
    )
    return (certificate.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


def make_certificate(directory, host="127.0.0.1"):
    """A self-signed certificate for ``host`` (an IP address), as a private CA would issue through a TLS
    inspecting proxy: returns (certificate file, key file); the certificate file is also the CA bundle."""
    certificate, key = build_certificate(host)
    cert_path, key_path = os.path.join(directory, "standin-ca.pem"), os.path.join(directory, "standin-key.pem")
    with open(cert_path, "wb") as handle:
        handle.write(certificate)
    with open(key_path, "wb") as handle:
        handle.write(key)
    return cert_path, key_path
