"""Benchmark scenarios, one module per part of the portal (core, each plugin).

Each module defines ``scenarios() -> list[Scenario]``; ``benchmarks/run.py`` measures them all,
interleaved with the bare Flask anchor. A scenario's ``path`` may be a function of the portal's
base URL and the signed-in cookies, for pages whose address depends on the data.
"""
