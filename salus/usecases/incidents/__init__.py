"""Use cases of incidents: read, list, create, edit, export, persons."""
