"""Space-time scan statistics (Kulldorff 1997, 2001; Kulldorff et al. 2005).

* :func:`space_time_permutation_scan` - clusters of incidents without a population at risk;
* :func:`poisson_space_time_scan` - clusters of incidents against expected counts from a
  population (see :mod:`.expected` for person-time and covariate adjustment);
* :func:`incident_counts` - incidents per location and time unit, one count per incident;
* :mod:`.satscan_files` - readers for SaTScan's case, coordinates, population and parameter files.

Both scans run prospectively (clusters still alive at the end of the study period) or
retrospectively, over cylinders of the k nearest locations, with Monte Carlo p-values and
secondary clusters as SaTScan reports them. The replicates run vectorised with Numba on the CPU,
or on a GPU with ``ScanOptions(backend="gpu" | "auto")`` where CuPy finds a CUDA device.
"""

from salus.analytics.alerts.scan.data import incident_counts
from salus.analytics.alerts.scan.options import ScanOptions
from salus.analytics.alerts.scan.results import ScanResult, SpaceTimeCluster
from salus.analytics.alerts.scan.scan import poisson_space_time_scan, space_time_permutation_scan

__all__ = [
    "ScanOptions",
    "ScanResult",
    "SpaceTimeCluster",
    "incident_counts",
    "poisson_space_time_scan",
    "space_time_permutation_scan",
]
