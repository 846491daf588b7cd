"""Job monitors at run time: pings in, missed runs found."""
