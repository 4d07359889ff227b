"""Followthru: turns a sales rep's handoff plan into committed teammates."""

__version__ = "0.1.0"
