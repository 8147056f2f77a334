# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A clock for schedules under test: time passes only when the code under test sleeps (or the test moves it)."""

from __future__ import annotations


class Clock:
    """``clock()`` reads the time; ``clock.sleep(seconds)`` moves it on and records the sleep."""

    def __init__(self, now=0.0):
        self.now = now
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds
