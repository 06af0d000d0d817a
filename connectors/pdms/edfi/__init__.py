"""Ed-Fi ODS/API target: Data Standard professional development events and attendances."""
