"""OneRoster 1.0/1.1/1.2: CSV packages (``csv_package``) and REST providers (``client``,
``mapping``, ``rest_source``), each as a :class:`lti_tool.ports.RosterSource`."""
