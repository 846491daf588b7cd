"""One module per channel type, each with the same surface (see `family`)."""
