"""Storage: the only package that imports PynamoDB. Every model lists the access patterns it
serves; each is a GetItem or a Query (never a Scan)."""
