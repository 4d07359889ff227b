"""Tests of the reply reader (followthru/replies/)."""
