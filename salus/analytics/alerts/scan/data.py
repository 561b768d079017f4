"""From incident records to the counts a scan reads."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def incident_counts(locations: npt.ArrayLike, times: npt.ArrayLike, n_locations: int,
                    n_times: int,
                    incident_ids: npt.ArrayLike | None = None) -> npt.NDArray[np.int64]:
    """Incidents per location and time unit, each incident counted once.

    A scan looks for clusters of *events*: one shooting with five victims is one case, not five.
    Pass one row per victim with ``incident_ids`` and rows sharing an identifier collapse into
    the first one's location and time.

    Parameters
    ----------
    locations, times : array_like of int
        Location index (``0 .. n_locations - 1``) and time-unit index (``0 .. n_times - 1``) of
        each record.
    n_locations, n_times : int
        Shape of the table.
    incident_ids : array_like, optional
        Incident identifier of each record.

    Returns
    -------
    ndarray of int64, shape (n_locations, n_times)
    """
    where = np.asarray(locations, dtype=np.int64)
    when = np.asarray(times, dtype=np.int64)
    if where.shape != when.shape:
        raise ValueError("locations and times must have the same length")
    if incident_ids is not None:
        _, first = np.unique(np.asarray(incident_ids), return_index=True)
        where, when = where[first], when[first]
    if where.size and (where.min() < 0 or where.max() >= n_locations
                       or when.min() < 0 or when.max() >= n_times):
        raise ValueError("location or time index out of range")
    table = np.zeros((n_locations, n_times), dtype=np.int64)
    np.add.at(table, (where, when), 1)
    return table
