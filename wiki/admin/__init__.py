"""Administration: customer segments and users' roles (admins only)."""
