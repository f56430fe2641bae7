"""The rules: case state machine, SLA clock, escalation, permissions and scope.

Nothing here imports grassroots.graphql; the API calls in, never the other way round.
"""
