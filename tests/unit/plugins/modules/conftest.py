# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWS options every AWS module test gives: the API stand-in's endpoint and a region."""

from __future__ import annotations

import os

import pytest


@pytest.fixture
def aws_args():
    def args(site, **values):
        return dict(values, endpoint_url=site.endpoint_url, region="us-east-1")
    return args


@pytest.fixture
def manifest_args(aws_args):  # pylint: disable=redefined-outer-name
    """The arguments of a manifest download into the site's home."""
    def args(site, job_id, **values):
        return aws_args(site, job_id=job_id, dest=os.path.join(site.home, "manifests", job_id + ".bin"), **values)
    return args
