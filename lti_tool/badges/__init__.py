"""Open Badges 3.0 format and cryptography core: contexts, proofs, schema, baking.

Nothing here touches the database, Flask or the network; the services wire it in.
"""
