# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What `make test` leaves for `make matrix`: a record of a passing run (the checkout's fingerprint, the
versions it ran on, its time), so that the matrix reports that run as its ansible-core 2.19 cell instead of
running it again; and the checks that a suite ran tests at all.

Usage: test_record.py record SECONDS   (make test, once every step passed)
"""

import glob
import hashlib
import json
import os
import re
import subprocess
import sys
from xml.etree import ElementTree

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, ".build")
RECORD = os.path.join(BUILD, "test-passed.json")


def fingerprint():
    """A digest of the checkout as the tests see it: every tracked or unignored file's path and content."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           check=True, capture_output=True).stdout.split(b"\0")
    digest = hashlib.sha256()
    for name in sorted(set(filter(None, files))):
        path = os.path.join(ROOT, os.fsdecode(name))
        if os.path.isfile(path) and not os.path.islink(path):
            digest.update(name + b"\0")
            with open(path, "rb") as handle:
                digest.update(hashlib.sha256(handle.read()).digest())
    return digest.hexdigest()


def installed_versions(python, collections_root):
    """ansible-core, boto3, botocore (in ``python``) and amazon.aws (in ``collections_root``) as installed."""
    probe = ("import ansible.release, boto3, botocore, json, sys; "
             "print(json.dumps([ansible.release.__version__, boto3.__version__, botocore.__version__, "
             "'%d.%d.%d' % sys.version_info[:3]]))")
    core, boto3, botocore, python_version = json.loads(
        subprocess.run([python, "-c", probe], check=True, capture_output=True, text=True).stdout)
    with open(os.path.join(collections_root, "ansible_collections", "amazon", "aws", "MANIFEST.json"),
              encoding="utf-8") as handle:
        amazon_aws = json.load(handle)["collection_info"]["version"]
    return {"core": core, "python": python_version, "amazon.aws": amazon_aws, "boto3": boto3, "botocore": botocore}


def tests_passed(output):
    """How many tests pytest says passed in ``output`` (ansible-test units runs pytest once per group);
    ansible-test exits 0 with a warning when it finds no unit test at all, so 0 is a failure."""
    return sum(int(count) for count in re.findall(r"^=+ (?:.*\D)?(\d+) passed.* in [\d.]+s", output, re.MULTILINE))


def units_ran(stage):
    """How many unit tests the last ansible-test units run in ``stage`` recorded (its JUnit files)."""
    junit = glob.glob(os.path.join(stage, "ansible_collections", "fieldops", "snowball", "tests", "output",
                                   "junit", "*-units.xml"))
    return sum(int(suite.get("tests", 0)) for path in junit for suite in ElementTree.parse(path).iter("testsuite"))


def record(seconds):
    if not units_ran(os.path.join(BUILD, "stage")):
        raise SystemExit("make test: ansible-test units ran no test")
    result = installed_versions(os.path.join(ROOT, ".venv", "bin", "python"), os.path.join(BUILD, "collections"))
    result.update(fingerprint=fingerprint(), seconds=int(seconds))
    with open(RECORD, "w", encoding="utf-8") as handle:
        json.dump(result, handle)


def passing_run():
    """The record of `make test`'s passing run of this very checkout, or None."""
    try:
        with open(RECORD, encoding="utf-8") as handle:
            result = json.load(handle)
    except (OSError, ValueError):
        return None
    return result if result.pop("fingerprint", None) == fingerprint() else None


if __name__ == "__main__":
    if sys.argv[1:2] != ["record"] or len(sys.argv) != 3:
        raise SystemExit(__doc__)
    record(sys.argv[2])
