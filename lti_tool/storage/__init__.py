"""Evidence storage adapters: where uploaded bytes live, and how their true type is read.

Local disk is the default; an S3-compatible bucket serves deployments with several web hosts.
Both stream, hash and refuse to overwrite, so an evidence file stays what the reviewer saw.
"""
