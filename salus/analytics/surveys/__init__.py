"""Design-based estimates from complex surveys, equal to R's ``survey`` package (4.1.1).

Plain NumPy/SciPy/pandas over a frame of respondents (one row each): no database, no HTTP.
Every function below is checked against R ``survey`` 4.1.1 on ``data(api)`` to 1e-8 relative
(``tests/reference/survey_reference.R`` -> ``tests/reference/survey_reference.json``).

API (issue 14)
--------------
Designs (:mod:`.design`, :mod:`.replicates`)::

    design = SurveyDesign.from_frame(
        frame,                      # pandas.DataFrame, one row per respondent
        weights="w",                # column of sampling weights (> 0); or probs="p"
        strata="stratum",           # column or None (first stage; later stages: strata=[s1, s2])
        psu=["psu", "ssu"],         # cluster ids by stage ("psu" alone: one stage; None: each row)
        fpc=["fpc1", "fpc2"],       # per stage: population size (> 1) or sampling fraction (<= 1)
        nest=False,                 # True: PSU ids are relabelled within strata (R's nest=TRUE)
        lonely_psu="fail",          # "fail" | "remove" | "adjust" | "average" | "certainty"
    )
    rep = ReplicateDesign.from_design(design, method="JK1" | "JKn" | "bootstrap" | "BRR" | "Fay",
                                      replicates=50, seed=1, fay_rho=0.0)
    rep = ReplicateDesign.from_frame(frame, weights="w", replicate_weights=[...cols...],
                                     method="JK1" | "JKn" | "bootstrap" | "BRR" | "Fay",
                                     scale=None, rscales=None, mse=False, fay_rho=0.0)
    design2 = calibrate(design, population_totals, method="poststratify" | "raking" | "linear")
        # population_totals: {"area": {"A": 1200, ...}} per margin for raking, or a frame of
        # cells with a "total" column for post-stratification, or {"(Intercept)": N, "x": T}
        # (model-matrix totals, R's calibrate(..., calfun="linear")) for "linear".

Estimators (:mod:`.estimators`; each takes a SurveyDesign or ReplicateDesign)::

    mean(design, "victim", by=None, deff=True)           -> Estimates (tidy frame)
    total(design, "victim", by=["area", "sex"])           -> Estimates
    proportion(design, "victim", by=..., ci="logit" | "wald" | "wilson" | "beta" | "likelihood")
    ratio(design, numerator="y", denominator="x", by=...)
    quantile(design, "age", q=[0.25, 0.5, 0.75], by=...)  # R 4.x qrule="math",
                                                         # interval.type="mean" (Woodruff)

``by`` is any list of columns (domains, R's ``svyby``). Every estimator returns a
:class:`pandas.DataFrame` with the columns::

    <by columns...>, variable, [quantile], estimate, se, ci_low, ci_high, deff, cv,
    n_unweighted, sum_weights, suppressed, flagged

Flags follow :class:`.flags.Thresholds` (``min_n=30``, ``flag_n=50``, ``max_cv=0.3``,
``flag_cv=0.2``, all configurable via ``thresholds=``): ``suppressed`` rows keep their numbers;
callers decide whether to blank them.

Errors: :class:`.errors.SurveyDesignError` (a ``ValueError``) names the column, row and value:
missing or non-positive weights, a PSU id in two strata with ``nest=False``, a stratum with one
PSU under ``lonely_psu="fail"``, an fpc smaller than the number of sampled units.

References
----------
Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*. Wiley.
Lumley, T. (2024). survey: analysis of complex survey samples. R package 4.1-1 (reference
manual: svydesign, svyrecvar, svymean, svyby, svyciprop, svyquantile, calibrate, as.svrepdesign).
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
