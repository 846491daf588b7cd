"""The local stack: DynamoDB Local, moto server, the event pump and the API on one machine.

Not deployed. `python -m local` (or `make run`) starts it; tests reuse its pieces.
"""
