"""Canvas REST API: one careful HTTP client (``client``), OAuth 2 grants (``oauth``), typed
endpoint methods (``api``), pure translation (``mapping``) and the roster source (``source``)."""
