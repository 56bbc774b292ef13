"""Use cases. Plain Python over an AsyncSession: the API, the jobs and tests call them. They
flush what they write; whoever called them owns the transaction and commits it."""
