# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWS side: verify a job, sync its manifest, fetch its unlock code.

Shared by the job, manifest and unlock-code modules and by their action
plugins, so it takes an AWS client and a task context, raises SnowballError
and never ends a task itself. Every AWS error is explained in one place,
``aws_error``, which unit tests cover without a server.
"""

from __future__ import annotations

import datetime
import re
import ssl
import time
import urllib.error
import urllib.parse

try:
    import botocore
    import botocore.exceptions
    import botocore.parsers
except ImportError:
    pass  # the shells report a missing botocore before anything here runs

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible.module_utils.urls import open_url
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.plugins.module_utils._files import read_bytes
from ansible_collections.fieldops.snowball.plugins.module_utils._files import sha1_of
from ansible_collections.fieldops.snowball.plugins.module_utils._files import store_private_file
from ansible_collections.fieldops.snowball.plugins.module_utils._ids import job_id_problem

CREDENTIALS_LIFETIME_DAYS = 360
# Seconds one read of the download may wait, and the whole download may take: a server that trickles
# bytes must not hold the task for ever. (Module constants, so tests can shorten them.)
MANIFEST_DOWNLOAD_TIMEOUT = 60
MANIFEST_DOWNLOAD_DEADLINE = 300
MANIFEST_MAX_REDIRECTS = 5
# The manifest is an encrypted binary file (AWS: "encrypted so that only the job's unlock code can decrypt
# it"); its format is undocumented, so only what cannot be one is refused: markup or text (a captive
# portal's or proxy's page answered with 200), or a body too small to hold anything encrypted.
MANIFEST_MIN_BYTES = 128
_NOT_MANIFEST_TYPES = ("text/", "html", "xml", "json")
RELEASED_STATE = "WithCustomer"

# The JobState enum of botocore's snowball model (a unit test keeps these equal).
JOB_STATES = ("New", "PreparingAppliance", "PreparingShipment", "InTransitToCustomer", "WithCustomer",
              "InTransitToAWS", "WithAWSSortingFacility", "WithAWS", "InProgress", "Complete",
              "Cancelled", "Listing", "Pending")

_NOT_YET = "Run again once AWS shows the job as WithCustomer (delivered)."
_TOO_LATE = ("AWS releases a job's manifest and unlock code only while the device is with you; "
             "for a device that must be used again, contact AWS Support.")
STATE_ADVICE = {
    "New": "the job has not been processed yet. " + _NOT_YET,
    "PreparingAppliance": "the device is still being prepared. " + _NOT_YET,
    "PreparingShipment": "the device has not shipped yet. " + _NOT_YET,
    "InTransitToCustomer": "the device has not been delivered yet. " + _NOT_YET,
    "InTransitToAWS": "the device is on its way back to AWS. " + _TOO_LATE,
    "WithAWSSortingFacility": "the device is back at AWS. " + _TOO_LATE,
    "WithAWS": "the device is back at AWS. " + _TOO_LATE,
    "InProgress": "AWS is importing the device's data. " + _TOO_LATE,
    "Complete": "the job is complete. " + _TOO_LATE,
    "Cancelled": "the job was cancelled. Check the job id, or order a new job.",
    "Listing": "AWS is listing the job's data. " + _TOO_LATE,
    "Pending": "the job is pending. " + _NOT_YET,
}

# Snowball says ThrottlingException where AWSRetry's built-in list says Throttling.
_RETRY = AWSRetry.jittered_backoff(
    retries=4, delay=1, max_delay=8,
    catch_extra_error_codes=["ThrottlingException", "InternalServerError", "ServiceUnavailableException"],
)
_DENIED = ("AccessDeniedException", "AccessDenied", "UnrecognizedClientException", "InvalidSignatureException",
           "ExpiredTokenException", "MissingAuthenticationTokenException", "InvalidClientTokenId")
_THROTTLED = ("ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded")
_UNTRUSTED = ("Behind a TLS-inspecting proxy, set aws_ca_bundle (or AWS_CA_BUNDLE) to the proxy's CA bundle; "
              "the manifest download uses it too.")
_OPERATION_PERMISSIONS = {
    "DescribeJob": "snowball:DescribeJob",
    "ListJobs": "snowball:ListJobs",
    "ListClusterJobs": "snowball:ListClusterJobs",
    "GetJobManifest": "snowball:GetJobManifest",
    "GetJobUnlockCode": "snowball:GetJobUnlockCode",
}


_EXPIRY = ("AWS releases a job's manifest and unlock code for %d days after the job was created (botocore snowball "
           "model, GetJobUnlockCode and GetJobManifest); after that the device locks. To keep using a device longer "
           "(a long-term-pricing job too, once AWS no longer releases them), contact AWS Support for a certificate "
           "update, then use the new unlock code and manifest it releases." % CREDENTIALS_LIFETIME_DAYS)


def main_job_problem(metadata, parts=None):
    """Why an export job's main job cannot be unlocked, or None. A main job (``MID...``, ``IsMaster`` in ListJobs)
    has no device of its own: each job part (``SubJobMetadata`` of DescribeJob) has one (botocore snowball model,
    JobListEntry.IsMaster and DescribeJobResult.SubJobMetadata)."""
    job_id = metadata["JobId"]
    ids = [part.get("JobId") for part in parts or [] if part.get("JobId")]
    if not ids and not job_id.startswith("MID"):
        return None
    if ids:
        return ("Job %s is an export job's main job: it has no device of its own; each device has a job part of its "
                "own: %s. Use the job id the device shows on its display (one of these)." % (job_id, ", ".join(ids)))
    # An MID id without parts: AWS may not list them yet ("It might take some time before the job parts ... are
    # listed", BOTO JobListEntry.IsMaster), or they were not asked for.
    return ("Job %s is an export job's main job (MID): it has no device of its own; each device has a job part of its "
            "own (JID...). Use the job id the device shows on its display, or list the parts with "
            "fieldops.snowball.snowball_job_info (job_id %s) once AWS has created them." % (job_id, job_id))


def job_problem(metadata, now=None, parts=None):
    """Why AWS will not release this job's manifest and code, or None. ``parts``: DescribeJob's SubJobMetadata."""
    job_id = metadata["JobId"]
    state = metadata["JobState"]
    main = main_job_problem(metadata, parts)
    if main:
        return main
    if state != RELEASED_STATE:
        advice = STATE_ADVICE.get(state, "its manifest and unlock code are released only while it is WithCustomer.")
        return "Job %s is not usable: %s (state %s)" % (job_id, advice, state)
    created = metadata.get("CreationDate")
    # A long-term-pricing job (JobMetadata.LongTermPricingId) may be kept longer: whether AWS still releases its
    # credentials after 360 days is AWS's to say (no source documents it), so ask; aws_error explains a refusal.
    if created is not None and not metadata.get("LongTermPricingId"):
        now = now or datetime.datetime.now(datetime.timezone.utc)
        age = now - created
        if age >= datetime.timedelta(days=CREDENTIALS_LIFETIME_DAYS):
            return ("Job %s: the device credentials expired %d days after creation (created %s, %d days ago): "
                    "contact AWS Support for a certificate update, then use the new unlock code and manifest."
                    % (job_id, CREDENTIALS_LIFETIME_DAYS, created.date().isoformat(), age.days))
    return None


def check_job_id(job_id):
    problem = job_id_problem(job_id)
    if problem:
        raise SnowballError(problem)


class SnowballJobs:
    """The Snowball job-management calls of one task, with retries and readable failures.

    ``ctx`` is the task context (see _context.py): its AWS client, region,
    TLS options, and ``add_secret`` for values to mask in the result.
    """

    def __init__(self, ctx):
        self.ctx = ctx
        self.client = ctx.aws_client("snowball", retry_decorator=_RETRY)
        self.jobs = {}  # the metadata of the jobs verified, to explain AWS's refusals

    def describe(self, job_id):
        return self._described(job_id)["JobMetadata"]

    def _described(self, job_id):
        """DescribeJob's answer, once it holds a usable JobMetadata."""
        response = self._call("DescribeJob", job_id, JobId=job_id)
        metadata = response.get("JobMetadata")
        if not (isinstance(metadata, dict) and isinstance(metadata.get("JobState"), str)
                and isinstance(metadata.get("JobId"), str)):
            raise _unusable("DescribeJob", job_id, "JobMetadata")
        return response

    def verified(self, job_id):
        """The job's metadata; SnowballError when AWS will not release its credentials."""
        response = self._described(job_id)
        metadata = response["JobMetadata"]
        parts = response.get("SubJobMetadata") or []
        problem = job_problem(metadata, parts=parts)
        if problem:
            facts = dict(job_id=job_id, job_state=metadata["JobState"])
            if parts:
                facts["job_parts"] = [part.get("JobId") for part in parts]
            raise SnowballError(problem, **facts)
        self.jobs[job_id] = metadata
        return metadata

    def manifest_uri(self, job_id):
        return self._field("GetJobManifest", job_id, "ManifestURI")

    def unlock_code(self, job_id):
        return self._field("GetJobUnlockCode", job_id, "UnlockCode")

    def sync_manifest(self, job_id, dest, force=False, mode="0600"):
        """Download the job's manifest to ``dest``, as get_url would: not when ``dest`` exists (unless
        ``force``), atomically into a private directory, ``changed`` only when the content changes.
        Returns dest, changed, and the file's checksum and size (not in check mode before a first download)."""
        check_mode = self.ctx.check_mode
        current = read_bytes(dest)
        if current is not None and manifest_problem(current) and not force:
            # An earlier version saved a captive portal's page here: every run would reuse it.
            self.ctx.warn("%s is not a manifest (%s): downloading it again." % (dest, manifest_problem(current)))
            force = True
        if current is None or force:
            if check_mode and current is None:
                return dict(changed=True, dest=dest)
            current = self._download_manifest(job_id)
        changed = store_private_file(dest, current, "the manifest", check_mode=check_mode, create_parent=True,
                                     mode=mode)
        return dict(changed=changed, dest=dest, checksum=sha1_of(current), size=len(current))

    def _download_manifest(self, job_id):
        """The manifest's bytes; any failure raises without naming the URL."""
        uri = self.manifest_uri(job_id)
        # The URL and its signature are bearer credentials: mask them in anything the task returns.
        self.ctx.add_secret(uri)
        for part in uri.partition("?")[2].split("&"):
            key, _sep, value = part.partition("=")
            if value and key.lower() in ("x-amz-signature", "signature"):
                self.ctx.add_secret(value)
        # The presigned URL is AWS (S3) too: trust what the API calls trust.
        params = self.ctx.params
        deadline = time.monotonic() + MANIFEST_DOWNLOAD_DEADLINE
        try:
            response = self._open_manifest(uri, job_id, deadline)
            expected = response.headers.get("Content-Length")
            content_type = response.headers.get("Content-Type") or ""
            data = _read_until(response, deadline)
        except SnowballError:
            raise
        except Exception as error:  # pylint: disable=broad-exception-caught
            if isinstance(getattr(error, "reason", error), ssl.SSLCertVerificationError):
                raise SnowballError("Downloading the manifest of job %s failed: its TLS certificate could not be "
                                    "verified; nothing was written. %s" % (job_id, _UNTRUSTED), job_id=job_id) from None
            if isinstance(error, _DeadlinePassed) or time.monotonic() >= deadline:  # a read timed out at it
                raise SnowballError("Downloading the manifest of job %s took longer than %d seconds, so it was stopped; "
                                    "nothing was written. Check the network (a slow link or a proxy), then run the task "
                                    "again." % (job_id, MANIFEST_DOWNLOAD_DEADLINE), job_id=job_id) from None
            code = getattr(error, "code", None)
            reason = "HTTP %s" % code if code else type(error).__name__
            raise SnowballError("Downloading the manifest of job %s failed (%s); nothing was written. The presigned "
                                "URL is valid for 60 minutes: run the task again to get a fresh one."
                                % (job_id, reason), job_id=job_id) from None
        # A Content-Length that is not a number says nothing: the checks of the content below still apply.
        if expected is not None and expected.strip().isdigit() and len(data) != int(expected):
            raise SnowballError("The manifest of job %s arrived truncated (%d of %s bytes); nothing was written. "
                                "Run the task again." % (job_id, len(data), expected), job_id=job_id)
        problem = manifest_problem(data, content_type)
        if problem:
            raise SnowballError("The download of the manifest of job %s is not a manifest (%s): a captive portal, "
                                "proxy or hotel network may have answered instead of AWS. Nothing was written. Sign "
                                "in to the network (open any web page in a browser), then run the task again."
                                % (job_id, problem), job_id=job_id)
        return data

    def _open_manifest(self, uri, job_id, deadline):
        """The response to GET ``uri``, following redirects only on the same host, https only (or the
        scheme of endpoint_url, for a test or private endpoint). The URL is never named: it is a credential."""
        params = self.ctx.params
        schemes = {"https"}
        if urllib.parse.urlsplit(params.get("endpoint_url") or "").scheme == "http":
            schemes.add("http")
        origin = None
        for _hop in range(MANIFEST_MAX_REDIRECTS + 1):
            parts = urllib.parse.urlsplit(uri)
            if parts.scheme.lower() not in schemes:
                raise SnowballError("AWS gave a manifest location that is not an https URL (%s:); refusing to fetch "
                                    "it. Nothing was written: run the task again, and if it persists, check "
                                    "endpoint_url." % parts.scheme.lower(), job_id=job_id)
            if origin is not None and (parts.scheme.lower(), parts.netloc.lower()) != origin:
                raise SnowballError("The manifest download of job %s was redirected to another host (%s); refusing to "
                                    "follow it. Nothing was written. A proxy or captive portal may be intercepting "
                                    "the network: sign in to it or use another network, then run the task again."
                                    % (job_id, parts.hostname), job_id=job_id)
            origin = (parts.scheme.lower(), parts.netloc.lower())
            try:
                return open_url(uri, method="GET", timeout=_remaining(deadline), http_agent="fieldops.snowball",
                                validate_certs=params["validate_certs"], ca_path=params["aws_ca_bundle"],
                                follow_redirects="none")
            except urllib.error.HTTPError as error:
                location = error.headers.get("Location") if error.headers else None
                if not 300 <= error.code < 400 or not location:
                    raise
                uri = urllib.parse.urljoin(uri, location)
        raise SnowballError("The manifest download of job %s was redirected more than %d times; nothing was written. "
                            "Run the task again." % (job_id, MANIFEST_MAX_REDIRECTS), job_id=job_id)

    def list_jobs(self):
        return self._paginate("ListJobs", None)

    def cluster_jobs(self, cluster_id):
        return self._paginate("ListClusterJobs", cluster_id, ClusterId=cluster_id)

    def _paginate(self, operation, resource, **params):
        entries = []
        while True:
            page = self._call(operation, resource, **params)
            entries.extend(page.get("JobListEntries", []))
            if not page.get("NextToken"):
                return entries
            params["NextToken"] = page["NextToken"]

    def _field(self, operation, job_id, name):
        value = self._call(operation, job_id, JobId=job_id).get(name)
        if not isinstance(value, str) or not value:
            raise _unusable(operation, job_id, name)
        return value

    def _call(self, operation, resource, **params):
        method = getattr(self.client, camel_to_snake(operation))
        try:
            return method(aws_retry=True, **params)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError,
                botocore.parsers.ResponseParserError) as error:
            raise aws_error(error, operation, resource, self.ctx.region, job=self.jobs.get(resource)) from None
        except (AttributeError, TypeError, ValueError) as error:
            # botocore's parser fails this way on an answer that is JSON but not of the model's shapes
            # (e.g. a string where an object belongs): the same case as an unreadable answer.
            raise aws_error(botocore.parsers.ResponseParserError(str(error)), operation, resource,
                            self.ctx.region) from None


class _DeadlinePassed(Exception):
    pass


def _remaining(deadline):
    left = deadline - time.monotonic()
    if left <= 0:
        raise _DeadlinePassed()
    return min(left, MANIFEST_DOWNLOAD_TIMEOUT)


def _read_until(response, deadline):
    """The whole body, or _DeadlinePassed: each read waits at most the time left (a per-read timeout alone
    lets a server that sends one byte at a time hold the task for ever)."""
    chunks = []
    while True:
        # Looked up before each read: once the body is complete the response drops its connection, and
        # Python 3.13 closes the socket then (a timeout set on it fails with EBADF).
        sock = getattr(getattr(getattr(response, "fp", None), "raw", None), "_sock", None)
        if sock is not None and sock.fileno() != -1:
            sock.settimeout(_remaining(deadline))
        chunk = response.read1(65536) if hasattr(response, "read1") else response.read(65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        _remaining(deadline)


def manifest_problem(data, content_type=""):
    """Why ``data`` (served as ``content_type``) cannot be a manifest, or None."""
    kind = content_type.split(";")[0].strip().lower()
    if any(marker in kind for marker in _NOT_MANIFEST_TYPES):
        return "served as %s" % kind
    if data.lstrip()[:1] == b"<":
        return "it is an HTML or XML page"
    if len(data) < MANIFEST_MIN_BYTES:
        return "only %d bytes" % len(data)
    return None


def _unusable(operation, job_id, name):
    return SnowballError("AWS answered %s for job %s without a usable %s (the response was incomplete or not in "
                         "the expected form). Run again; if it persists, check endpoint_url and any proxy, or contact "
                         "AWS Support." % (operation, job_id, name), job_id=job_id)


def aws_error(error, operation, resource, region, job=None):
    """The SnowballError that explains a botocore error raised by ``operation`` on ``resource``."""
    if isinstance(error, botocore.exceptions.ClientError):
        code = _error_code(error)
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        facts = dict(error_code=code)
        if code == "InvalidResourceException" and str(resource).startswith("MID"):
            return SnowballError("AWS refused %s for %s: %s" % (operation, resource, main_job_problem({"JobId": resource})),
                                 **facts)
        if code == "InvalidResourceException":
            return SnowballError("%s was not found in region %s: check the id, and that region (or the AWS profile) is "
                                 "the one the job was ordered in." % (resource, region), **facts)
        if code == "InvalidJobStateException" and operation in ("GetJobManifest", "GetJobUnlockCode"):
            words = (operation, resource, _aws_message(error), _job_age(job), _EXPIRY)
            return SnowballError("AWS refused %s for %s: %s %s%s" % words, **facts)
        if code == "InvalidJobStateException":
            return SnowballError("AWS refused %s for %s: %s" % (operation, resource, _aws_message(error)), **facts)
        if code in _DENIED:
            return SnowballError("AWS denied %s for %s (%s): check the credentials and that they allow %s."
                                 % (operation, resource, code, _OPERATION_PERMISSIONS[operation]), **facts)
        if code in _THROTTLED:
            return SnowballError("AWS kept throttling %s (%s) after several retries: wait a minute and run again."
                                 % (operation, code), **facts)
        if status >= 500:
            return SnowballError("The Snowball API kept failing on %s (%s, HTTP %s) after several retries: try again "
                                 "later." % (operation, code, status), **facts)
        words = _aws_message(error) or "no message"
        return SnowballError("%s failed for %s: %s (%s)." % (operation, resource, words, code), **facts)
    if isinstance(error, botocore.exceptions.NoCredentialsError):
        return SnowballError("No AWS credentials were found: set the profile or access_key/secret_key options, or "
                             "AWS_PROFILE / AWS_ACCESS_KEY_ID in the environment.")
    if isinstance(error, botocore.exceptions.NoRegionError):
        return SnowballError("No AWS region was given: set the region option (role: snowball_unlock_aws_region) or "
                             "AWS_REGION to the region the job was ordered in.")
    if isinstance(error, botocore.exceptions.SSLError):
        return SnowballError("Could not verify the TLS certificate of the Snowball API for %s (%s). %s"
                             % (operation, error, _UNTRUSTED))
    if isinstance(error, botocore.parsers.ResponseParserError):
        return SnowballError("The answer of the Snowball API to %s for %s could not be read (truncated, or not the "
                             "API's format): run again; if it persists, check endpoint_url and any proxy between this "
                             "machine and AWS." % (operation, resource))
    if isinstance(error, (botocore.exceptions.ResponseStreamingError, botocore.exceptions.IncompleteReadError)):
        return SnowballError("The answer of the Snowball API to %s for %s was cut off: run again; if it persists, "
                             "check the network and any proxy." % (operation, resource))
    if isinstance(error, (botocore.exceptions.EndpointConnectionError, botocore.exceptions.ConnectTimeoutError,
                          botocore.exceptions.ReadTimeoutError, botocore.exceptions.ConnectionClosedError)):
        return SnowballError("Could not reach the Snowball API for %s (%s): check the network, any proxy, and "
                             "region/endpoint_url." % (operation, type(error).__name__))
    return SnowballError("%s failed for %s: %s" % (operation, resource, error))


def _job_age(job):
    """The job's age and long-term pricing, as far as DescribeJob said, for a refusal's message."""
    created = (job or {}).get("CreationDate")
    if not isinstance(created, datetime.datetime):
        return ""
    age = (datetime.datetime.now(datetime.timezone.utc) - created).days
    pricing = " with long-term pricing %s" % job["LongTermPricingId"] if job.get("LongTermPricingId") else ""
    return "(The job%s was created %s, %d days ago.) " % (pricing, created.date().isoformat(), age)


def camel_to_snake(name):
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def _error_code(error):
    return error.response.get("Error", {}).get("Code", "Unknown")


def _aws_message(error):
    return error.response.get("Error", {}).get("Message", "")


def snake_job(metadata):
    """A job as amazon.aws modules return AWS data: snake_case keys, dates as ISO 8601."""
    job = camel_dict_to_snake_dict(metadata)
    if isinstance(job.get("creation_date"), datetime.datetime):
        job["creation_date"] = job["creation_date"].isoformat()
    return job
