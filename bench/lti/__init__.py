"""LTI benchmarks: id_token validation, login + launch over HTTP, JWT signing (issue 3)."""
