"""Tests of the command line driven step by step with --now, on every backend, with restarts and kills."""
