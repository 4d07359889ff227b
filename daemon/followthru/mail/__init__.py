"""Email: building RFC 5322 messages and the backends that send and read them."""
