"""The local pipeline runner: Hardgate's CI stages (scan, sign, verify, converge, testinfra, record) on one machine."""
