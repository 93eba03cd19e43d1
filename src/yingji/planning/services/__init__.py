"""Planning services, one module per area; each may define ready() (role grants, sheets)."""
