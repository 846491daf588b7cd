"""One module per monitor type, each `async def check(monitor, deps)`."""
