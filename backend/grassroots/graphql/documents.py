"""Parsing and validation with the service's limits, cached per document text, and the
cost of an operation sent without variables, which its text alone decides.

One cache for every transport: HTTP queries and mutations and the WebSocket's subscriptions
meet the same rules (depth, aliases, duplicated fields, tokens, introspection) and share
the parsed documents. A client sends the same few documents again and again, so a request
normally costs a dictionary lookup here.
"""

from __future__ import annotations

import functools

from graphql import DocumentNode, GraphQLError, GraphQLSchema, parse, specified_rules, validate
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.schema.base import BaseSchema

from .limits import field_duplicates_rule, query_cost

CACHED_DOCUMENTS = 256
MAX_FIELD_DUPLICATES = 10


class Documents:
    def __init__(
        self,
        graphql_schema: GraphQLSchema,
        *,
        depth: int,
        aliases: int,
        tokens: int,
        introspection: bool,
        suggestions: bool = True,
    ) -> None:
        self.graphql_schema = graphql_schema
        self.rules = [
            *specified_rules,
            depth_rule(depth, None),
            alias_rule(aliases),
            field_duplicates_rule(MAX_FIELD_DUPLICATES),
        ]
        if not introspection:
            self.rules.append(NoSchemaIntrospectionCustomRule)
        self.tokens = tokens
        self.suggestions = suggestions
        self.document = functools.lru_cache(maxsize=CACHED_DOCUMENTS)(self._document)
        self.cost_without_variables = functools.lru_cache(maxsize=CACHED_DOCUMENTS)(
            self._cost_without_variables
        )

    def _document(self, query: str) -> DocumentNode | list[GraphQLError]:
        """The validated document, or the errors that refuse it (cached as well: a client
        that repeats a bad document is refused as cheaply)."""
        try:
            document = parse(query, max_tokens=self.tokens)
        except GraphQLError as error:
            return [error]
        errors = validate(self.graphql_schema, document, self.rules)
        if errors and not self.suggestions:
            # "Did you mean …" would map the schema for a prober.
            for refusal in errors:
                BaseSchema.remove_field_suggestion(refusal)
        return errors or document

    def _cost_without_variables(self, query: str, operation_name: str | None) -> int:
        """The cost of an operation sent without variables: its text alone decides it, so
        it is counted once per document (the cost of a valid document)."""
        document = self.document(query)
        assert not isinstance(document, list), "a refused document has no cost"
        return query_cost(self.graphql_schema, document, operation_name, {})
