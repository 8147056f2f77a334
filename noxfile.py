# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make matrix`: one nox session per cell, each running the Makefile's sanity, units and integration targets
on one supported ansible-core, with the amazon.aws, ansible.posix and community.general of the `ansible`
package that goes with it, plus one cell at the declared floors.

nox finds each cell's Python, makes and keeps its virtualenv (under .build/nox) and reports every session's
result; this file says what a cell holds. The cell `make test` runs (core2.19) is skipped when `make test`
passed on this very checkout (scripts/test_record.py), and any suite that runs no test fails its cell.

    nox                          every cell, one after the other (the integration suite uses two processes)
    nox -s core2.21 floors       some cells
"""

import glob
import os
import shutil
import subprocess
import sys
import time

import nox

ROOT = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(ROOT, "scripts"))

import bootstrap_offline  # noqa: E402  pylint: disable=wrong-import-position
import test_record  # noqa: E402  pylint: disable=wrong-import-position

MATRIX = os.path.join(ROOT, ".build", "matrix")
STEPS = ("sanity", "units", "integration")
# What a cell's virtualenv holds besides ansible-core and boto3/botocore, at requirements-dev.txt's pins.
TEST_TOOLS = ("ansible-builder", "ansible-runner", "mock", "pytest", "pytest-mock", "pytest-xdist", "PyYAML")
# name: (ansible-core, Python, the `ansible` package whose collections go with it, boto3 and botocore).
# None: requirements-dev.txt's pin (core2.19 is make test's own .venv). No 2.17 or 2.18 cell: there the leak
# suite finds the unlock code (the masked loop item shows only from 2.19 on), so meta/runtime.yml requires 2.19.
CELLS = {
    "core2.19": (None, "3.11", "12.3.0", None),
    "core2.20": ("2.20.10", "3.12", "13.8.0", None),
    "core2.21": ("2.21.5", "3.13", "14.5.0", None),
    # meta/runtime.yml's requires_ansible, galaxy.yml's amazon.aws, requirements.txt's boto3
    "floors": ("2.19.0", "3.11", "12.0.0", "1.34.0"),
}

nox.options.envdir = os.path.join(ROOT, ".build", "nox")
nox.options.reuse_venv = "yes"
nox.options.error_on_missing_interpreters = True
nox.options.sessions = list(CELLS)


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
    """An interpreter of ``version`` (3.X): MATRIX_PYTHON_3_X, else python3.X on PATH, else pyenv's (its shims
    answer only for the versions pyenv has selected); else the version, for nox to report as missing."""
    override = os.environ.get("MATRIX_PYTHON_" + version.replace(".", "_"))
    candidates = [override] if override else []
    candidates.append(shutil.which("python" + version))
    pyenv_root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    candidates += sorted(glob.glob(os.path.join(pyenv_root, "versions", version + ".*", "bin", "python" + version)),
                         reverse=True)
    check = "import sys; assert sys.version_info[:2] == (%s)" % version.replace(".", ", ")
    for candidate in filter(None, candidates):
        if subprocess.run([candidate, "-c", check], check=False, capture_output=True).returncode == 0:
            return candidate
    return version


def run_steps(session, cell, variables):
    """The Makefile's steps, each logged to .build/matrix/<cell>/<step>.log; a suite that passed no test fails."""
    os.makedirs(os.path.join(MATRIX, cell), exist_ok=True)
    for step in STEPS:
        started = time.monotonic()
        log = os.path.join(MATRIX, cell, step + ".log")
        arguments = ["%s=%s" % item for item in variables.items()] + [step]
        # The log is written whether the step passes or fails; nox prints a failed step's output too.
        output = session.run("bash", "-o", "pipefail", "-c", 'make --no-print-directory "$@" 2>&1 | tee "%s"' % log,
                             "make", *arguments, external=True, silent=True)
        if output is None:  # nox --install-only: nothing runs
            return
        passed = test_record.tests_passed(output) if step != "sanity" else None
        if passed == 0:
            session.error("%s ran no test (see %s)" % (step, log))
        session.log("%s: %s in %d s%s" % (cell, step, time.monotonic() - started,
                                          ", %d tests passed" % passed if passed else ""))


def define(cell, core, python, ansible, boto):
    if core is None:
        @nox.session(name=cell, python=False)
        def default_cell(session):
            record = test_record.passing_run()
            if record:
                session.skip("`make test` passed on this checkout in %d s (ansible-core %s, Python %s)"
                             % (record["seconds"], record["core"], record["python"]))
            run_steps(session, cell, {})
        return

    @nox.session(name=cell, python=find_python(python))
    def other_cell(session):
        pins = dev_pins()
        boto_version = boto or pins["boto3"]
        # The AWS CLI (the device S3 tests run it) pins one botocore: requirements-dev.txt's pin goes with the cells
        # on requirements-dev.txt's botocore; the floors cell's older botocore has no CLI here, and those tests skip.
        cli = ["awscli==%s" % pins["awscli"]] if boto is None else []
        session.install("ansible-core==%s" % core, "boto3==%s" % boto_version, "botocore==%s" % boto_version,
                        *("%s==%s" % (tool, pins[tool.lower()]) for tool in TEST_TOOLS), *cli, silent=True)
        home = os.path.join(MATRIX, cell)
        variables = {"BIN": session.bin, "COLLECTIONS": os.path.join(home, "collections"),
                     "STAGE": os.path.join(home, "stage"), "TEST_PYTHON": python, "TEST_PATHS": "in_process"}
        wheel = bootstrap_offline.ansible_wheel("ansible==%s" % ansible, python=os.path.join(session.bin, "python"))
        for root in (variables["COLLECTIONS"], variables["STAGE"]):
            for collection in bootstrap_offline.COLLECTIONS:
                bootstrap_offline.install_collection(wheel, root, collection)
        session.log("%s: %s" % (cell, test_record.installed_versions(os.path.join(session.bin, "python"),
                                                                     variables["COLLECTIONS"])))
        run_steps(session, cell, variables)


for _name, _cell in CELLS.items():
    define(_name, *_cell)
