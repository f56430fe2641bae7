"""Live updates: the event log and the brokers that wake subscribers."""
