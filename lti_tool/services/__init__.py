"""Use cases. Each service takes its ports in the constructor and knows nothing of HTTP or SQL."""
