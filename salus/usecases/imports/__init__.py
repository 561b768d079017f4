"""Use cases of imports: incidents, areas and population files; staged web and API imports."""
