"""SIF US XML target: professional development activities and employee credits over SIF 3 REST."""
