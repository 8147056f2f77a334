# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Snowball job rules (when AWS releases a job's manifest and code) and the job-management calls.

Shared by the job, manifest and unlock-code modules; it takes the task context, raises SnowballError and never
ends a task itself. AWS's errors are explained by _aws_errors; the job-specific part of a refusal is explained here.
"""

from __future__ import annotations

import datetime

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.botocore import paginated_query_with_retries
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.fieldops.snowball.plugins.module_utils._aws_errors import aws_error
from ansible_collections.fieldops.snowball.plugins.module_utils._aws_errors import botocore_errors
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError

try:
    import botocore.parsers
except ImportError:
    pass  # the shells report a missing botocore before anything here runs

CREDENTIALS_LIFETIME_DAYS = 360
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
_RELEASES = ("GetJobManifest", "GetJobUnlockCode")  # the calls AWS answers only for a released job

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
        if state == "InProgress" and metadata.get("JobType") == "EXPORT":
            # developer guide jobstatuses.md: an export job is in progress while AWS exports the data onto the
            # device, before it ships; an import job, after the device came back
            advice = "AWS is exporting the data onto the device. " + _NOT_YET
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


class SnowballJobs:
    """The Snowball job-management calls of one task, with retries and readable failures.

    ``ctx`` is the task context (see _context.py): its AWS client and region.
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

    def list_jobs(self):
        return self._paginated("list_jobs", "ListJobs", None)

    def cluster_jobs(self, cluster_id):
        return self._paginated("list_cluster_jobs", "ListClusterJobs", cluster_id, ClusterId=cluster_id)

    def _paginated(self, method, operation, resource, **params):
        """Every JobListEntry, on botocore's paginator (botocore snowball model, paginators-1.json: NextToken in
        and out, JobListEntries); a failed page retries the listing from its start, as amazon.aws does."""
        answer = self._guarded(operation, resource, paginated_query_with_retries, self.client, method,
                               retry_decorator=_RETRY, **params)
        return answer.get("JobListEntries", [])

    def _field(self, operation, job_id, name):
        value = self._call(operation, job_id, JobId=job_id).get(name)
        if not isinstance(value, str) or not value:
            raise _unusable(operation, job_id, name)
        return value

    def _call(self, operation, resource, **params):
        method = getattr(self.client, _SNAKE_NAMES[operation])
        return self._guarded(operation, resource, method, aws_retry=True, **params)

    def _guarded(self, operation, resource, call, *args, **kwargs):
        """``call``'s answer; a botocore error raised as the SnowballError that explains it."""
        try:
            return call(*args, **kwargs)
        except botocore_errors() as error:
            raise aws_error(error, operation, resource, self.ctx.region,
                            explain=refusal_explainer(operation, resource, self.jobs.get(resource))) from None
        except (AttributeError, TypeError, ValueError) as error:
            # botocore's parser fails this way on an answer that is JSON but not of the model's shapes
            # (e.g. a string where an object belongs): the same case as an unreadable answer.
            raise aws_error(botocore.parsers.ResponseParserError(str(error)), operation, resource,
                            self.ctx.region) from None


_SNAKE_NAMES = {"DescribeJob": "describe_job", "GetJobManifest": "get_job_manifest",
                "GetJobUnlockCode": "get_job_unlock_code"}


def refusal_explainer(operation, resource, job=None):
    """What a job says about AWS refusing ``operation`` on it, for _aws_errors.aws_error's ``explain``.
    ``job``: its DescribeJob metadata, when the task verified it."""
    def explain(code, message):
        if code == "InvalidResourceException" and str(resource).startswith("MID"):
            return "AWS refused %s for %s: %s" % (operation, resource, main_job_problem({"JobId": resource}))
        if code == "InvalidJobStateException" and operation in _RELEASES:
            return "AWS refused %s for %s: %s %s%s" % (operation, resource, message, _job_age(job), _EXPIRY)
        return None
    return explain


def _unusable(operation, job_id, name):
    return SnowballError("AWS answered %s for job %s without a usable %s (the response was incomplete or not in "
                         "the expected form). Run again; if it persists, check endpoint_url and any proxy, or contact "
                         "AWS Support." % (operation, job_id, name), job_id=job_id)


def _job_age(job):
    """The job's age and long-term pricing, as far as DescribeJob said, for a refusal's message."""
    created = (job or {}).get("CreationDate")
    if not isinstance(created, datetime.datetime):
        return ""
    age = (datetime.datetime.now(datetime.timezone.utc) - created).days
    pricing = " with long-term pricing %s" % job["LongTermPricingId"] if job.get("LongTermPricingId") else ""
    return "(The job%s was created %s, %d days ago.) " % (pricing, created.date().isoformat(), age)


def snake_job(metadata):
    """A job as amazon.aws modules return AWS data: snake_case keys, dates as ISO 8601."""
    job = camel_dict_to_snake_dict(metadata)
    if isinstance(job.get("creation_date"), datetime.datetime):
        job["creation_date"] = job["creation_date"].isoformat()
    return job
