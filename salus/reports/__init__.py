"""Renderers of use-case results into documents (HTML, PDF): compute once, render many."""
