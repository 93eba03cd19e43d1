"""Commands added to the groups of cli.py."""
