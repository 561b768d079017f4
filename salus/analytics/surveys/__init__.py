"""Design-based estimates from complex surveys, equal to R's ``survey`` package (4.1.1).

Plain NumPy/SciPy/pandas over a frame of respondents (one row each): no database, no HTTP.
Every estimator is checked against R ``survey`` 4.1.1 on ``data(api)`` to 1e-8 relative
(``tests/reference/survey_reference.R`` -> ``tests/reference/survey_reference.json``); see
``docs/survey-estimation.md``.

API (issue 14)
--------------
Designs (:mod:`.design`, :mod:`.replicates`, :mod:`.calibration`)::

    design = SurveyDesign.from_frame(
        frame,                      # pandas.DataFrame, one row per respondent (not changed)
        weights="w",                # sampling weights (> 0); or probs="p"; or none: from fpc
        strata="stratum",           # column or None (first stage; or one per stage)
        psu=["psu", "ssu"],         # cluster ids by stage ("psu" alone: one stage; None: rows)
        fpc=["fpc1", "fpc2"],       # one per stage: population sizes (>= 1) or fractions (<= 1)
        nest=False,                 # True: PSU ids unique only within strata (R's nest=TRUE)
        lonely_psu="fail",          # "fail" | "remove" | "adjust" | "average" | "certainty"
    )
    rep = ReplicateDesign.from_design(design, "JK1" | "JKn" | "bootstrap" | "BRR" | "Fay",
                                      replicates=50, seed=1, fay_rho=0.0, mse=False)
    rep = ReplicateDesign.from_frame(frame, weights="w", replicate_weights=[...columns...],
                                     method="JK1" | "JKn" | "bootstrap" | "BRR" | "Fay" | "other",
                                     scale=None, rscales=None, fay_rho=0.0, mse=False)
    design2 = calibrate(design, population_totals, method="poststratify" | "raking" | "linear")
        # poststratify: a frame of cells (area, sex, age_band, total) or {"area": {"N": 1200}}
        # raking: several margins (frames with "total", or {"area": {...}, "sex": {...}})
        # linear: model totals {"(Intercept)": N, "income": T, "sex": {"F": NF, "M": NM}}

Estimators (:mod:`.estimators`, :mod:`.quantiles`; a SurveyDesign uses Taylor linearisation,
a ReplicateDesign its replicates)::

    mean(design, "victim", by=None, confidence=0.95, df="normal", na_rm=False)
    total(design, "incidents", by=["area", "sex"])
    ratio(design, "incidents", "households", by="area")
    proportion(design, "victim", by="area", method="logit" | "xlogit" | "mean" | "asin"
               | "beta" | "wilson", category=None, df="design")
    quantile(design, "age", [0.25, 0.5, 0.75], by="area", interval_type="mean")
        # R 4.x svyquantile: qrule="math", Woodruff interval ("mean", "xlogit", "asin", "beta")

``by`` is any list of columns (R's ``svyby``); ``df`` is ``"normal"``, ``"design"`` (the
design's degrees of freedom, per domain) or a number. Every estimator returns a
:class:`pandas.DataFrame`, one row per domain (and category or quantile)::

    <by columns...>, variable, [category | quantile], estimate, se, ci_low, ci_high, deff, cv,
    n_unweighted, sum_weights, suppressed, flagged

``deff`` is R's ``deff=TRUE`` (against simple random sampling without replacement). Flags
follow :class:`.domains.Thresholds` (``min_n=30``, ``flag_n=50``, ``max_cv=0.3``,
``flag_cv=0.2``; pass ``thresholds=``): suppressed rows keep their figures, callers blank them.

Errors: :class:`.errors.SurveyDesignError` (a ``ValueError``) names the column, row and value:
missing or non-positive weights, a PSU id in two strata with ``nest=False``, a stratum with one
PSU under ``lonely_psu="fail"``, an fpc smaller than the number of units sampled, a missing
analysis value without ``na_rm=True``, a calibration cell without a population total.

References
----------
Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*. Wiley.
Lumley, T. survey: analysis of complex survey samples. R package 4.1-1 (reference manual:
svydesign, svyrecvar, svymean, svyby, svyciprop, svyquantile, calibrate, as.svrepdesign).
Wolter, K. M. (2007). *Introduction to Variance Estimation*, 2nd ed. Springer.
Särndal, C.-E., Swensson, B. and Wretman, J. (1992). *Model Assisted Survey Sampling*. Springer.
"""

from salus.analytics.surveys.calibration import calibrate
from salus.analytics.surveys.design import SurveyDesign
from salus.analytics.surveys.domains import Thresholds
from salus.analytics.surveys.errors import SurveyDesignError
from salus.analytics.surveys.estimators import mean, proportion, ratio, total
from salus.analytics.surveys.quantiles import quantile
from salus.analytics.surveys.replicates import ReplicateDesign

__all__ = ["ReplicateDesign", "SurveyDesign", "SurveyDesignError", "Thresholds", "calibrate",
           "mean", "proportion", "quantile", "ratio", "total"]
