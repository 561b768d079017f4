"""Pages of accounts: sign-in, password, tokens, administration."""
