"""Calendar invitations: iTIP objects (RFC 5546) sent over email (iMIP, RFC 6047)."""
