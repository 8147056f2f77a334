# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Playbook-level fixtures: each test gets its own site (API stand-in on a free
loopback port, simulated devices, private HOME) and runs real ansible-playbook
against the collection installed from its tarball."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from ansible_collections.fieldops.snowball.tests.standins.harness import TEST_PATH, Site

# Modules whose every test chooses its path itself (fieldops_snowball_in_process in the test), whatever
# FIELDOPS_SNOWBALL_TEST_PATH says.
CHOOSE_THEIR_PATH = ("test_paths.py",)
# Fixtures through which a test runs a module of the collection: a test of the device-like S3 endpoint that uses
# none of them (the endpoint's own refusals) runs no module, so nothing differs between the paths for it.
RUNS_A_MODULE = ("site", "tls_site", "device")
RUNS_NO_MODULE = ("test_device_s3.py",)


@pytest.fixture
def site(tmp_path):
    site = Site(tmp_path)
    yield site
    site.close()


@pytest.fixture
def tls_site(tmp_path):
    """A site whose API and manifest URLs are HTTPS, signed by a private CA (``tls_site.ca_bundle``)."""
    site = Site(tmp_path, tls=True)
    yield site
    site.close()


LEAK_REPORTS = os.path.join("tests", "output", "leaks")


def forces_its_path(item):
    """True for a test that runs a path of its own choice: parametrized on ``in_process`` or in a module
    whose tests each set fieldops_snowball_in_process."""
    params = getattr(getattr(item, "callspec", None), "params", {})
    return "in_process" in params or item.path.name in CHOOSE_THEIR_PATH


def pytest_collection_modifyitems(config, items):  # pylint: disable=unused-argument
    """`make integration` runs the suites once per path; a test that already covers both paths (or forces
    one) runs on the first pass only."""
    if TEST_PATH == "in_process":
        return
    skip = pytest.mark.skip(reason="chooses its own execution path, already run on the in_process pass "
                                   "(FIELDOPS_SNOWBALL_TEST_PATH=%s)" % TEST_PATH)
    same = pytest.mark.skip(reason="runs no module of the collection, already run on the in_process pass "
                                   "(FIELDOPS_SNOWBALL_TEST_PATH=%s)" % TEST_PATH)
    for item in items:
        if forces_its_path(item):
            item.add_marker(skip)
        elif item.path.name in RUNS_NO_MODULE and not set(RUNS_A_MODULE) & set(item.fixturenames):
            item.add_marker(same)


def pytest_sessionstart(session):
    if not hasattr(session.config, "workerinput"):  # the xdist controller, or a run without xdist
        shutil.rmtree(LEAK_REPORTS, ignore_errors=True)


def pytest_terminal_summary(terminalreporter):
    """The leak suite's table: scenarios run, places searched, leaks found, bad inputs refused."""
    if not os.path.isdir(LEAK_REPORTS):
        return
    rows = []
    for name in sorted(os.listdir(LEAK_REPORTS)):
        with open(os.path.join(LEAK_REPORTS, name), encoding="utf-8") as handle:
            rows.extend(json.load(handle))
    runs = [row for row in rows if "scenario" in row and not row.get("expected")]
    planted = [row for row in rows if row.get("expected")]
    bad_inputs = [row for row in rows if "bad_input" in row]
    write = terminalreporter.write_line
    terminalreporter.section("leak-canary suite")
    write("%-40s %-22s %8s %6s" % ("scenario", "variant", "places", "leaks"))
    for row in runs:
        write("%-40s %-22s %8d %6d" % (row["scenario"][:40], row["variant"], row["places"], len(row["leaks"])))
    write("")
    write("scenarios run:       %d (%d runs)" % (len({row["scenario"] for row in runs}), len(runs)))
    write("places searched:     %d" % sum(row["places"] for row in runs))
    write("leaks found:         %d" % sum(len(row["leaks"]) for row in runs))
    write("planted leak found:  %s" % ("yes, in " + ", ".join(planted[0]["leaks"]) if planted else "not run"))
    write("bad inputs refused:  %d (%s)" % (len(bad_inputs), "; ".join(row["bad_input"] for row in bad_inputs)))
