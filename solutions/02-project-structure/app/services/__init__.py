"""Use cases. Plain Python over an AsyncSession: the API, the import job and tests call them."""
