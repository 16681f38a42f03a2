"""In-memory adapters: the offline default, the fakes of the contract tests and the simulator.

They live for one process. They follow the same contracts as the Redis adapters, including
leases and expiry, so the simulator behaves like production.
"""
