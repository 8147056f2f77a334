# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The jobs, clusters and manifests the Snowball API stand-in (snowball_api.py) knows, and the faults it is told
to suffer.

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

import hashlib
import random
import secrets
import string
import threading
import time
import uuid


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
