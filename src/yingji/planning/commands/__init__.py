"""`yingji planning …` subcommands: one module per area, each with COMMANDS."""
