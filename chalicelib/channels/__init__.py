"""Alert channels: where alerts go. `kinds/` holds one module per channel type."""
