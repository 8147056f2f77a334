# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""botocore's own ``snowball`` service model as the API stand-in's contract: every answer is checked against the
model's output shape before it is sent, so the stand-in cannot drift from the API."""

from __future__ import annotations

import re

import botocore.session

MODEL = botocore.session.get_session().get_service_model("snowball")


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
