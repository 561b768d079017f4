"""Survey pages (issue 14): upload a form and its data, define the design, browse estimates."""
