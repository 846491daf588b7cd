"""Request and response models: pydantic, pure, no I/O."""
