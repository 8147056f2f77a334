# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make matrix`: ansible-test sanity and units and the playbook and leak
suites (tests/integration) on every ansible-core the collection claims, each
with the amazon.aws, ansible.posix and community.general of the `ansible`
package that goes with that core, plus one cell at the declared floors.

Each cell has its own virtualenv, collections root and stage under
.build/matrix/<cell>, and runs the Makefile's own `sanity`, `units` and
`integration` targets with BIN, COLLECTIONS, STAGE and TEST_PYTHON pointed at
them. A virtualenv is kept while its inputs (Python, pins) are unchanged; the
`ansible` wheels are downloaded once into .build/downloads.

The cell `make test` runs (ansible-core 2.19) is not run twice: `make test`
records a fingerprint of the checkout when it passes (--record-test), and the
matrix reports that run when the checkout is unchanged; otherwise it runs that
cell itself.

Cells run one after the other (the integration suite already uses two
processes). At the end: each cell's time per step and a summary table. Exits
non-zero when any cell failed.

Usage: matrix.py [CELL ...]           run these cells (default: all)
       matrix.py --record-test SECONDS
"""

import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from xml.etree import ElementTree

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))

import bootstrap_offline  # noqa: E402

BUILD = os.path.join(ROOT, ".build")
MATRIX = os.path.join(BUILD, "matrix")
TEST_RECORD = os.path.join(BUILD, "test-passed.json")
STEPS = ("sanity", "units", "integration")

# name, ansible-core, Python, {collection: ansible package whose wheel supplies it}, boto3/botocore.
# "default" is the cell of `make test` (requirements-dev.txt, bootstrap_offline.ANSIBLE_PACKAGE).
TOOLS = "tools"  # boto3 and botocore as pinned in requirements-dev.txt
CELLS = [
    # No 2.17 or 2.18 cell: there the leak suite finds the unlock code (loops over registered codes print it:
    # the loop item is masked in place, which only ansible-core 2.19 and later show), so meta/runtime.yml
    # requires 2.19.
    ("core2.19", "default", "3.11", {"*": "12.3.0"}, TOOLS),
    ("core2.20", "2.20.10", "3.12", {"*": "13.8.0"}, TOOLS),
    ("core2.21", "2.21.5", "3.13", {"*": "14.5.0"}, TOOLS),
    # The declared floors: meta/runtime.yml's requires_ansible, galaxy.yml's amazon.aws, requirements.txt's boto3.
    ("floors", "2.19.0", "3.11", {"*": "12.0.0"}, "1.34.0"),
]
# What a cell's virtualenv holds besides ansible-core and boto3/botocore (pins from requirements-dev.txt).
TEST_TOOLS = ("ansible-builder", "ansible-runner", "mock", "pytest", "pytest-mock", "pytest-xdist", "PyYAML")


def dev_pins():
    pins = {}
    with open(os.path.join(ROOT, "requirements-dev.txt"), encoding="utf-8") as handle:
        for line in handle:
            line = line.split("#")[0].strip()
            if "==" in line:
                name, version = line.split("==")
                pins[name.strip().lower()] = version.strip()
    return pins


def find_python(version):
    """An interpreter of ``version`` (3.X): python3.X on PATH, else pyenv's; MATRIX_PYTHON_3_X overrides."""
    override = os.environ.get("MATRIX_PYTHON_" + version.replace(".", "_"))
    candidates = [override] if override else []
    candidates.append(shutil.which("python" + version))
    candidates += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/%s.*/bin/python%s" % (version, version))),
                         reverse=True)
    check = "import sys; assert sys.version_info[:2] == (%s)" % version.replace(".", ", ")
    for candidate in candidates:
        if candidate and subprocess.run([candidate, "-c", check], check=False, capture_output=True).returncode == 0:
            return candidate
    raise SystemExit("matrix: no Python %s found (set MATRIX_PYTHON_%s)" % (version, version.replace(".", "_")))


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


def record_test(seconds):
    """Called by `make test` once it passed: what it ran on and the checkout it ran. Fails when no unit
    test ran (ansible-test exits 0 with a warning when it finds none)."""
    junit = glob.glob(os.path.join(BUILD, "stage", "ansible_collections", "fieldops", "snowball", "tests", "output",
                                   "junit", "*-units.xml"))
    ran = sum(int(suite.get("tests", 0)) for path in junit for suite in ElementTree.parse(path).iter("testsuite"))
    if not ran:
        raise SystemExit("make test: ansible-test units ran no test")
    record = installed_versions(os.path.join(ROOT, ".venv", "bin", "python"), os.path.join(BUILD, "collections"))
    record.update(fingerprint=fingerprint(), seconds=int(seconds))
    with open(TEST_RECORD, "w", encoding="utf-8") as handle:
        json.dump(record, handle)


def prepare(cell, log):
    """The cell's virtualenv and collections root (both kept while their inputs are unchanged)."""
    name, core, python_version, sources, boto = cell
    home = os.path.join(MATRIX, name)
    venv = os.path.join(home, "venv")
    python = find_python(python_version)
    pins = dev_pins()
    boto = pins["boto3"] if boto == TOOLS else boto
    requirements = ["ansible-core==%s" % core, "boto3==%s" % boto, "botocore==%s" % boto]
    requirements += ["%s==%s" % (tool, pins[tool.lower()]) for tool in TEST_TOOLS]
    inputs = {"python": python, "version": subprocess.run([python, "-VV"], check=True, capture_output=True,
                                                          text=True).stdout.strip(), "requirements": requirements}
    stamp = os.path.join(venv, "matrix-inputs.json")
    try:
        with open(stamp, encoding="utf-8") as handle:
            current = json.load(handle) == inputs
    except (OSError, ValueError):
        current = False
    if not current:
        print("matrix: %s: virtualenv with %s" % (name, " ".join(requirements)), flush=True)
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([python, "-m", "venv", venv], check=True)
        with open(log, "a", encoding="utf-8") as handle:
            subprocess.run([os.path.join(venv, "bin", "python"), "-m", "pip", "install", "--disable-pip-version-check"]
                           + requirements, check=True, stdout=handle, stderr=subprocess.STDOUT)
        with open(stamp, "w", encoding="utf-8") as handle:
            json.dump(inputs, handle)
    # amazon.aws and the tests' callback collections, beside the collection (collections) and the stage
    for root in (os.path.join(home, "collections"), os.path.join(home, "stage")):
        for collection in bootstrap_offline.COLLECTIONS:
            package = sources.get(collection, sources.get("*"))
            wheel = bootstrap_offline.ansible_wheel("ansible==%s" % package, python=os.path.join(venv, "bin", "python"))
            bootstrap_offline.install_collection(wheel, root, collection)
    return home, venv


def make(targets, variables, log):
    command = ["make", "--no-print-directory"] + ["%s=%s" % item for item in variables.items()] + list(targets)
    with open(log, "a", encoding="utf-8") as handle:
        handle.write("$ %s\n" % " ".join(command))
        handle.flush()
        return subprocess.run(command, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT, check=False).returncode


def run_cell(cell):
    """Run the cell's steps; returns (result, {step: seconds}, versions, log)."""
    name, core, python_version = cell[:3]
    os.makedirs(os.path.join(MATRIX, name), exist_ok=True)
    log = os.path.join(MATRIX, name, "log.txt")
    with open(log, "w", encoding="utf-8"):
        pass
    times = {}
    started = time.monotonic()
    if core == "default":
        variables = {}
        collections_root = os.path.join(BUILD, "collections")
        python = os.path.join(ROOT, ".venv", "bin", "python")
    else:
        home, venv = prepare(cell, log)
        variables = {"BIN": os.path.join(venv, "bin"), "COLLECTIONS": os.path.join(home, "collections"),
                     "STAGE": os.path.join(home, "stage"), "TEST_PYTHON": python_version,
                     "TEST_PATHS": "in_process"}
        collections_root = variables["COLLECTIONS"]
        python = os.path.join(venv, "bin", "python")
    times["setup"] = time.monotonic() - started
    result = "passed"
    for step in STEPS:
        print("matrix: %s: %s ..." % (name, step), flush=True)
        step_started = time.monotonic()
        with open(log, encoding="utf-8") as handle:
            before = len(handle.read())
        returncode = make([step], variables, log)
        times[step] = time.monotonic() - step_started
        with open(log, encoding="utf-8") as handle:
            output = handle.read()[before:]
        passed = tests_passed(output) if step in ("units", "integration") else None
        if returncode != 0 or passed == 0:
            result = "FAILED (%s)" % step
            why = "exit %d" % returncode if returncode else "no test ran"
            print("matrix: %s: %s failed (%s); its output: %s" % (name, step, why, log), flush=True)
            sys.stdout.write("".join(output.splitlines(True)[-40:]))
            break
        if passed:
            print("matrix: %s: %s: %d tests passed" % (name, step, passed), flush=True)
    return result, times, installed_versions(python, collections_root), log


def tests_passed(output):
    """How many tests pytest says passed in ``output`` (ansible-test units runs pytest once per group);
    ansible-test exits 0 with a warning when it finds no unit test at all, so 0 is a failure."""
    return sum(int(count) for count in re.findall(r"^=+ (?:.*\D)?(\d+) passed.* in [\d.]+s", output, re.MULTILINE))


def main(argv):
    if argv[:1] == ["--record-test"]:
        record_test(argv[1])
        return 0
    wanted = argv or [cell[0] for cell in CELLS]
    unknown = set(wanted) - {cell[0] for cell in CELLS}
    if unknown:
        names = ", ".join(cell[0] for cell in CELLS)
        raise SystemExit("matrix: no cell %s (cells: %s)" % (", ".join(sorted(unknown)), names))
    bootstrap_offline.seed_get_pip()
    rows = []
    started = time.monotonic()
    for cell in CELLS:
        if cell[0] not in wanted:
            continue
        record = None
        if cell[1] == "default" and os.path.exists(TEST_RECORD):
            with open(TEST_RECORD, encoding="utf-8") as handle:
                record = json.load(handle)
            if record.pop("fingerprint") != fingerprint():
                record = None
        if record:
            seconds = record.pop("seconds")
            print("matrix: %s: `make test` passed on this checkout in %d s (sanity, units, integration, lint):"
                  " not run again" % (cell[0], seconds), flush=True)
            rows.append((cell[0], "passed (by make test)", {"make test": seconds}, record))
            continue
        result, times, versions, _log = run_cell(cell)
        rows.append((cell[0], result, times, versions))
    total = time.monotonic() - started

    print("\nmatrix: time per cell (seconds)")
    for name, _result, times, _versions in rows:
        print("  %-9s %s" % (name, ", ".join("%s %d" % (step, seconds) for step, seconds in times.items())))
    print("\n| cell | ansible-core | Python | amazon.aws | boto3 | botocore | result |")
    print("|---|---|---|---|---|---|---|")
    for name, result, _times, versions in rows:
        print("| %s | %s | %s | %s | %s | %s | %s |" % (name, versions["core"], versions["python"],
                                                        versions["amazon.aws"], versions["boto3"],
                                                        versions["botocore"], result))
    failed = [name for name, result, _times, _versions in rows if not result.startswith("passed")]
    verdict = "FAILED: " + ", ".join(failed) if failed else "all passed"
    print("\nmatrix: %d cells in %d s: %s" % (len(rows), total, verdict))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
