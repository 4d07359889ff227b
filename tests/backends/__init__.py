"""Tests of the backends (followthru/backends/), against fakes of the vendors' HTTP APIs and the real mail stack."""
