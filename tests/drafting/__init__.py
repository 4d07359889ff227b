"""Tests of drafting messages (followthru/drafting/): templates, headers, iTIP, checked by real implementations."""
