"""National standards as code: pure Python, no Django imports, each table in a data file."""
