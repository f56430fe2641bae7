"""The GraphQL API: thin types and mutations over workflow/; no rules live here."""
