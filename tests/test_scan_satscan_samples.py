"""The scans reproduce SaTScan's sample analyses (files in shared/data/satscan_samples).

New Mexico brain cancer, retrospective space-time Poisson with age-sex covariates (SaTScan's
published most likely cluster: 9 counties around Los Alamos, 1985-1989, 236 observed against
176.22 expected, relative risk 1.42, log-likelihood ratio 10.98).

NYC fever, prospective space-time permutation (3 km, 7 days): SaTScan reports no cluster with
p < 0.05 (rsatscan's README run of the same parameters). Our most likely cluster is 9 ZIP codes of
Queens around 11418 over 22-24 November 2001, 4 cases against 0.67 expected.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from salus.analytics.alerts.scan import poisson_space_time_scan, space_time_permutation_scan
from salus.analytics.alerts.scan.expected import person_time
from salus.analytics.alerts.scan.satscan_files import read_analysis

NEW_MEXICO_CLUSTER = {"Torrance", "Bernalillo", "Valencia", "SantaFe", "Guadelupe", "Socorro",
                      "Sandoval", "SanMiguel", "LosAlamos"}


@pytest.fixture
def samples(shared_data: Path) -> Path:
    return shared_data / "satscan_samples"


def test_new_mexico_most_likely_cluster_is_satscans(samples: Path) -> None:
    analysis = read_analysis(samples / "NewMexicoSpaceTimePoisson.prm")
    assert analysis.options.max_duration == 9 and not analysis.options.prospective
    options = dataclasses.replace(analysis.options, replicates=199, seed=2024)
    assert analysis.expected is not None
    result = poisson_space_time_scan(analysis.counts, analysis.expected, analysis.coordinates,
                                     options, location_ids=analysis.location_ids,
                                     time_labels=analysis.time_labels)
    cluster = result.most_likely_cluster
    assert cluster is not None
    assert set(cluster.locations) == NEW_MEXICO_CLUSTER
    assert (cluster.start_label, cluster.end_label) == ("1985", "1989")
    assert cluster.observed == 236
    assert cluster.expected == pytest.approx(176.22, abs=0.05)
    assert cluster.llr == pytest.approx(10.98, abs=0.01)
    assert cluster.relative_risk == pytest.approx(1.42, abs=0.005)
    assert cluster.p_value < 0.05


def test_new_mexico_expected_counts_are_standardised_to_the_observed_total(
        samples: Path) -> None:
    analysis = read_analysis(samples / "NewMexicoSpaceTimePoisson.prm")
    assert analysis.expected is not None
    assert analysis.counts.shape == analysis.expected.shape == (32, 19)
    assert analysis.counts.sum() == 1175
    assert analysis.expected.sum() == pytest.approx(1175)
    assert (analysis.expected > 0).all()


def test_person_time_is_the_integral_of_the_interpolated_population() -> None:
    # census of 100 on day 0 and 200 on day 10, flat outside: units [−5, 0), [0, 10), [10, 15)
    pt = person_time([0.0, 10.0], [[100.0, 200.0]], [-5.0, 0.0, 10.0, 15.0])
    np.testing.assert_allclose(pt, [[500.0, 1500.0, 1000.0]])


def test_nyc_fever_has_no_significant_cluster_like_satscan(samples: Path) -> None:
    analysis = read_analysis(samples / "NYCSpaceTimePermutation.prm")
    assert analysis.options.prospective and analysis.options.max_radius == 3.0
    options = dataclasses.replace(analysis.options, replicates=99, seed=7)
    result = space_time_permutation_scan(analysis.counts, analysis.coordinates, options,
                                         location_ids=analysis.location_ids,
                                         time_labels=analysis.time_labels)
    cluster = result.most_likely_cluster
    assert cluster is not None
    assert cluster.centre == "11418" and len(cluster.locations) == 9
    assert (cluster.start_label, cluster.end_label) == ("2001-11-22", "2001-11-24")
    assert cluster.observed == 4 and cluster.expected == pytest.approx(0.670, abs=0.001)
    assert cluster.radius <= 3.0
    assert result.significant(0.05) == ()
    assert all(c.end_label == "2001-11-24" for c in result.clusters)
