"""Surveys (issue 14): create, import forms and submissions, define designs, estimate."""
