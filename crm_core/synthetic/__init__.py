"""Synthetic CRM data: the demo's seed and the bulk generator for benchmarks."""
