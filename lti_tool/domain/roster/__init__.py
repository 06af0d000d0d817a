"""OneRoster rosters as pure data: the entities, the CSV rules, the dirt policy, the import report
and the identity-matching rules. Standard library only; no I/O beyond reading given text."""
