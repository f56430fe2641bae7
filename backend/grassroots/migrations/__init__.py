"""Schema migrations of the `models` app, applied in order by grassroots.migrate.

0001_initial is the schema of the first release (made by generate_schemas, before there were
migrations); each later file is what `make migration` wrote after a model change.
"""
