"""Perception and victimisation surveys (issue 14): forms, respondents, designs, indicators.

- :mod:`.forms` is an XLSForm as Salus keeps it: questions, choices and labels per language;
- :mod:`.respondents` is one submission (the respondent's area, sex, age band, disability,
  design variables and answers) and the rules an imported row must follow;
- :mod:`.design` is a design definition (strata, PSUs, weights, FPC, nesting, lonely PSUs,
  calibration targets) as stored, checked before the estimator sees it;
- :mod:`.indicators` reads the SDG 16 survey indicator definitions (``indicators/*.yaml``) and
  a survey's mapping of its questions to each indicator's numerator and denominator.
"""
