"""X12 bytes and segments, with no billing policy in them."""
