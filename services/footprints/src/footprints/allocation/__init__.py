"""Allocation: who does which case. Pure functions over plain data, so they run the same in the service,
in the tests (against brute force) and in the benchmarks."""
