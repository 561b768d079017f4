"""Probabilistic record linkage of victims across institutions (Fellegi & Sunter 1969).

Splink on DuckDB in process: names normalised across scripts and transliterations
(:mod:`.names`), a model for violence records (:mod:`.settings`), trained per job by EM
(:mod:`.engine`), clusters with a confidence (:mod:`.clusters`), readable match weights
(:mod:`.explain`), the review queue (:mod:`.review`), reconciled figures with multiple-systems
estimates (:mod:`.figures`) and quality against known identities (:mod:`.evaluation`).
"""

from salus.analytics.reconcile.linkage.clusters import Decisions, cluster_records
from salus.analytics.reconcile.linkage.engine import LinkageRun, TrainingOptions, link_records
from salus.analytics.reconcile.linkage.evaluation import (
    LinkageQuality,
    cluster_quality,
    pair_quality,
)
from salus.analytics.reconcile.linkage.explain import Explanation, LevelTable
from salus.analytics.reconcile.linkage.figures import (
    ReconciledRow,
    ReconciledTable,
    reconcile_figures,
)
from salus.analytics.reconcile.linkage.job import JobOptions, JobResult, run_job
from salus.analytics.reconcile.linkage.names import name_forms
from salus.analytics.reconcile.linkage.records import prepare_records
from salus.analytics.reconcile.linkage.review import review_queue
from salus.analytics.reconcile.linkage.settings import violence_settings

__all__ = [
    "Decisions",
    "Explanation",
    "JobOptions",
    "JobResult",
    "LevelTable",
    "LinkageQuality",
    "LinkageRun",
    "ReconciledRow",
    "ReconciledTable",
    "TrainingOptions",
    "cluster_quality",
    "cluster_records",
    "link_records",
    "name_forms",
    "pair_quality",
    "prepare_records",
    "reconcile_figures",
    "review_queue",
    "run_job",
    "violence_settings",
]
