"""Statistics over numbers and frames: no storage, no sessions, no HTTP.

Each module takes arrays or :mod:`pandas` frames of *aggregated* counts (the database does the
counting) and returns new arrays or frames: exact Poisson intervals (:mod:`.poisson`),
small-cell suppression (:mod:`.disclosure`), change on the previous period (:mod:`.change`),
completion of the grid of groups (:mod:`.grid`), reporting periods (:mod:`.periods`), the
choice of population cells that exactly cover a group (:mod:`.tiling`) and of the areas whose
population makes a group's denominator (:mod:`.denominators`).
"""
