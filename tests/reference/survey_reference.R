# Reference values for salus.analytics.surveys: design-based estimates from R's survey package
# (Lumley; version 4.1.1 here) on the California API samples of data(api).
#
# Regenerate (R from Debian: apt-get install -y r-base-core r-cran-survey r-cran-jsonlite):
#   Rscript tests/reference/survey_reference.R tests/reference/survey_reference.json
#
# The JSON holds the data it used (the columns needed, so the tests need no R), the designs
# (as salus.analytics.surveys arguments), and one case per estimate: the estimator, its
# arguments and R's figures (estimate, se, deff, confidence limits), one entry per domain.
# tests/test_surveys_reference.py reads it; its last test re-runs this script when Rscript and
# survey are installed and compares the fresh output with the file.

suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args)) args[1] else "tests/reference/survey_reference.json"
options(survey.lonely.psu = "fail", survey.replicates.mse = FALSE)
data(api)

columns <- c("snum", "dnum", "stype", "sch.wide", "awards", "api00", "api99", "enroll",
             "meals", "pw", "fpc", "fpc1", "fpc2", "high")
prep <- function(d) {
  d$high <- as.numeric(d$api00 > 800)
  for (col in c("stype", "sch.wide", "awards")) d[[col]] <- as.character(d[[col]])
  d[, intersect(columns, names(d))]
}
srs <- prep(apisrs)
strat <- prep(apistrat)
clus1 <- prep(apiclus1)
clus2 <- prep(apiclus2)
# A stratified sample whose stratum H keeps one school: a lonely PSU.
lonely <- strat[strat$stype != "H" | strat$snum == min(strat$snum[strat$stype == "H"]), ]
# Two-stage, with the districts of one sampled school given two schools: lonely at stage 2.
clus2_lonely <- clus2
clus2_lonely$fpc2[clus2_lonely$fpc2 == 1] <- 2
# Pairs of schools within school types: 100 strata of two PSUs each, for BRR.
paired <- strat[order(strat$stype, strat$snum), ]
paired$pair <- rep(seq_len(nrow(paired) / 2), each = 2)

dsrs <- svydesign(id = ~1, weights = ~pw, fpc = ~fpc, data = srs)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = strat)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = clus1)
dclus1n <- svydesign(id = ~dnum, weights = ~pw, data = clus1)
dclus2 <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = clus2)
# Districts within school types: the same district id in several strata, so nest = TRUE.
dclus1nest <- svydesign(id = ~dnum, strata = ~stype, weights = ~pw, data = clus1, nest = TRUE)
dlonely <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = lonely)
dpaired <- svydesign(id = ~snum, strata = ~pair, weights = ~pw, data = paired)

designs <- list(
  srs = list(data = "srs", weights = "pw", fpc = list("fpc")),
  strat = list(data = "strat", weights = "pw", strata = "stype", fpc = list("fpc")),
  clus1 = list(data = "clus1", weights = "pw", psu = list("dnum"), fpc = list("fpc")),
  clus1_nofpc = list(data = "clus1", weights = "pw", psu = list("dnum")),
  clus2 = list(data = "clus2", psu = list("dnum", "snum"), fpc = list("fpc1", "fpc2")),
  clus1_nested = list(data = "clus1", weights = "pw", strata = "stype", psu = list("dnum"),
                      nest = TRUE),
  paired = list(data = "paired", weights = "pw", strata = "pair", psu = list("snum"))
)
for (opt in c("remove", "adjust", "average", "certainty")) {
  designs[[paste0("lonely_", opt)]] <- list(data = "lonely", weights = "pw", strata = "stype",
                                            fpc = list("fpc"), lonely_psu = opt)
  designs[[paste0("lonely2_", opt)]] <- list(data = "clus2_lonely", psu = list("dnum", "snum"),
                                             fpc = list("fpc1", "fpc2"), lonely_psu = opt)
}

# Calibration: school types (post-stratification), types x whole-school target (cells),
# raking on type x target and awards, linear (GREG) on type and the 1999 API.
pop <- prep(apipop)
pop_types <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
pop_cells <- as.data.frame(table(stype = pop$stype, sch.wide = pop$sch.wide),
                           stringsAsFactors = FALSE)
pop_awards <- as.data.frame(table(awards = pop$awards), stringsAsFactors = FALSE)
linear_totals <- c(`(Intercept)` = 6194, stypeH = 755, stypeM = 1018,
                   api99 = sum(pop$api99))
dclus1_ps <- postStratify(dclus1, ~stype, pop_types)
dclus1_cells <- postStratify(dclus1, ~stype + sch.wide, pop_cells)
dclus1_rake <- rake(dclus1, list(~stype + sch.wide, ~awards), list(pop_cells, pop_awards))
dclus1_lin <- calibrate(dclus1, ~stype + api99, linear_totals)
dclus1_lin_margins <- calibrate(dclus1, list(~stype + sch.wide, ~awards),
                                list(pop_cells, pop_awards), calfun = "linear")
totals_of <- function(d) unname(lapply(split(d, seq_len(nrow(d))), function(r) {
  r <- as.list(r); r$total <- r$Freq; r$Freq <- NULL; r }))
designs$clus1_poststratify <- list(base = "clus1", method = "poststratify",
                                   totals = list(totals_of(pop_types)))
designs$clus1_cells <- list(base = "clus1", method = "poststratify",
                            totals = list(totals_of(pop_cells)))
designs$clus1_raking <- list(base = "clus1", method = "raking",
                             totals = list(totals_of(pop_cells), totals_of(pop_awards)))
designs$clus1_linear_margins <- list(base = "clus1", method = "linear",
                                     totals = list(totals_of(pop_cells), totals_of(pop_awards)))
designs$clus1_linear <- list(base = "clus1", method = "linear", totals = list(
  `(Intercept)` = 6194, stype = list(E = 4421, H = 755, M = 1018), api99 = sum(pop$api99)))

# Replicate designs: created by as.svrepdesign (JK1, JKn, BRR: no randomness), and read from
# columns (the bootstrap's weights, drawn here with a fixed seed, and R's BRR weights).
jk1 <- as.svrepdesign(dclus1, type = "JK1")
jk1mse <- as.svrepdesign(dclus1, type = "JK1", mse = TRUE)
jkn <- as.svrepdesign(dstrat, type = "JKn")
brr <- as.svrepdesign(dpaired, type = "BRR")
fay <- as.svrepdesign(dpaired, type = "Fay", fay.rho = 0.3)
set.seed(20240605)
boot <- as.svrepdesign(dclus1, type = "bootstrap", replicates = 50)
export_weights <- function(d, rep, prefix) {
  w <- weights(rep, "analysis")
  colnames(w) <- sprintf("%s%02d", prefix, seq_len(ncol(w)))
  cbind(d, w)
}
clus1_boot <- export_weights(clus1, boot, "bw")
paired_brr <- export_weights(paired, brr, "rw")
designs$clus1_jk1 <- list(base = "clus1", replicate = "JK1")
designs$clus1_jk1_mse <- list(base = "clus1", replicate = "JK1", mse = TRUE)
designs$strat_jkn <- list(base = "strat", replicate = "JKn")
designs$paired_brr_created <- list(base = "paired", replicate = "BRR")
designs$paired_fay_created <- list(base = "paired", replicate = "Fay", fay_rho = 0.3)
designs$clus1_boot <- list(data = "clus1_boot", weights = "pw", method = "bootstrap",
                           replicate_weights = as.list(sprintf("bw%02d", 1:50)),
                           scale = boot$scale, rscales = as.list(boot$rscales))
designs$paired_brr <- list(data = "paired_brr", weights = "pw", method = "BRR",
                           replicate_weights = as.list(sprintf("rw%02d", seq_len(ncol(weights(brr, "analysis"))))))

r_designs <- list(srs = dsrs, strat = dstrat, clus1 = dclus1, clus1_nofpc = dclus1n,
                  clus2 = dclus2, clus1_nested = dclus1nest, paired = dpaired, clus1_poststratify = dclus1_ps,
                  clus1_cells = dclus1_cells, clus1_raking = dclus1_rake,
                  clus1_linear = dclus1_lin, clus1_linear_margins = dclus1_lin_margins, clus1_jk1 = jk1, clus1_jk1_mse = jk1mse,
                  strat_jkn = jkn,
                  clus1_boot = boot, paired_brr = brr, paired_brr_created = brr,
                  paired_fay_created = fay)
dlonely2 <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = clus2_lonely)
for (opt in c("remove", "adjust", "average", "certainty")) {
  r_designs[[paste0("lonely_", opt)]] <- dlonely
  r_designs[[paste0("lonely2_", opt)]] <- dlonely2
}

num <- function(x) unname(as.numeric(x))
cases <- list()
add <- function(design, estimator, args, result) {
  cases[[length(cases) + 1]] <<- c(list(design = design, estimator = estimator, args = args),
                                   result)
}
lonely_option <- function(name) {
  if (startsWith(name, "lonely")) sub("lonely2?_", "", name) else "fail"
}
with_option <- function(name, expr) {
  old <- options(survey.lonely.psu = lonely_option(name))
  on.exit(options(old))
  force(expr)
}
domain_levels <- function(d, by) {
  v <- model.frame(d)[[by]]
  sort(unique(v[weights(d, "sampling") != 0]))
}
subset_of <- function(d, by, level) d[model.frame(d)[[by]] == level, ]

linear_case <- function(name, fun, var, by = NULL, denominator = NULL, na_rm = FALSE) {
  d <- r_designs[[name]]
  f <- as.formula(paste("~", var))
  g <- if (is.null(denominator)) NULL else as.formula(paste("~", denominator))
  run <- function(dd) with_option(name, switch(fun,
    mean = svymean(f, dd, deff = TRUE, na.rm = na_rm),
    total = svytotal(f, dd, deff = TRUE, na.rm = na_rm),
    ratio = svyratio(f, g, dd, deff = !inherits(dd, "svyrep.design"), na.rm = na_rm)))
  stat <- function(s) {
    if (fun == "ratio") {
      list(estimate = num(s$ratio), se = num(sqrt(s$var)),
           deff = if (is.null(attr(s, "deff"))) NA else num(attr(s, "deff")))
    } else {
      list(estimate = num(coef(s)), se = num(SE(s)), deff = num(diag(as.matrix(deff(s)))))
    }
  }
  args <- list(variable = var, by = by, denominator = denominator, na_rm = na_rm)
  if (is.null(by)) {
    r <- stat(run(d)); add(name, fun, args, list(levels = list("all"), estimate = r$estimate,
                                                 se = r$se, deff = r$deff))
    return(invisible())
  }
  lv <- domain_levels(d, by)
  rs <- lapply(lv, function(l) stat(run(subset_of(d, by, l))))
  add(name, fun, args, list(levels = as.list(as.character(lv)),
                            estimate = sapply(rs, `[[`, "estimate"),
                            se = sapply(rs, `[[`, "se"), deff = sapply(rs, `[[`, "deff")))
}

svyby_case <- function(name, var, by) {
  d <- r_designs[[name]]
  b <- with_option(name, svyby(as.formula(paste("~", var)), as.formula(paste("~", by)), d,
                               svymean, deff = TRUE))
  add(name, "mean", list(variable = var, by = by, via = "svyby"),
      list(levels = as.list(as.character(b[[by]])), estimate = num(coef(b)), se = num(SE(b)),
           deff = num(deff(b))))
}

ciprop_case <- function(name, var, method, by = NULL) {
  d <- r_designs[[name]]
  one <- function(dd) {
    r <- with_option(name, svyciprop(as.formula(paste("~", var)), dd, method = method))
    c(num(coef(r)), num(SE(r)), num(confint(r)))
  }
  lv <- if (is.null(by)) "all" else domain_levels(d, by)
  rs <- lapply(lv, function(l) one(if (is.null(by)) d else subset_of(d, by, l)))
  add(name, "proportion", list(variable = var, by = by, method = method),
      list(levels = as.list(as.character(lv)), estimate = sapply(rs, `[`, 1),
           se = sapply(rs, `[`, 2), ci_low = sapply(rs, `[`, 3), ci_high = sapply(rs, `[`, 4)))
}

quantile_case <- function(name, var, q, by = NULL, interval = "mean") {
  d <- r_designs[[name]]
  one <- function(dd) {
    r <- with_option(name, svyquantile(as.formula(paste("~", var)), dd, q, ci = TRUE,
                                       interval.type = interval))[[var]]
    r
  }
  lv <- if (is.null(by)) "all" else domain_levels(d, by)
  rs <- lapply(lv, function(l) one(if (is.null(by)) d else subset_of(d, by, l)))
  for (i in seq_along(q)) {
    add(name, "quantile", list(variable = var, by = by, q = q[i], interval_type = interval),
        list(levels = as.list(as.character(lv)), estimate = sapply(rs, function(r) r[i, 1]),
             ci_low = sapply(rs, function(r) r[i, 2]), ci_high = sapply(rs, function(r) r[i, 3]),
             se = sapply(rs, function(r) r[i, 4])))
  }
}

for (name in c("srs", "strat", "clus1", "clus1_nofpc", "clus2", "clus1_nested")) {
  na <- name == "clus2"
  linear_case(name, "mean", "api00")
  linear_case(name, "mean", "api00", by = "stype")
  linear_case(name, "total", "enroll", na_rm = na)
  linear_case(name, "total", "enroll", by = "stype", na_rm = na)
  linear_case(name, "ratio", "api00", denominator = "api99")
  linear_case(name, "ratio", "api00", by = "stype", denominator = "api99")
  svyby_case(name, "api00", "stype")
  for (m in c("logit", "xlogit", "mean", "asin", "beta")) ciprop_case(name, "high", m)
  ciprop_case(name, "high", "logit", by = "stype")
  quantile_case(name, "api00", c(0.25, 0.5, 0.75))
  quantile_case(name, "api00", 0.5, by = "stype")
}
quantile_case("strat", "api00", c(0.1, 0.9), interval = "xlogit")
quantile_case("strat", "api00", 0.5, interval = "beta")
quantile_case("clus1", "api00", 0.5, interval = "asin")
for (name in grep("^lonely_", names(r_designs), value = TRUE)) {
  linear_case(name, "mean", "api00")
  linear_case(name, "total", "enroll")
  linear_case(name, "mean", "api00", by = "sch.wide")
}
for (name in grep("^lonely2_", names(r_designs), value = TRUE)) {
  linear_case(name, "mean", "api00")
  linear_case(name, "mean", "api00", by = "stype")
}
for (name in c("clus1_poststratify", "clus1_cells", "clus1_raking", "clus1_linear",
               "clus1_linear_margins")) {
  linear_case(name, "mean", "api00")
  linear_case(name, "total", "enroll")
  linear_case(name, "mean", "api00", by = "sch.wide")
  linear_case(name, "ratio", "api00", denominator = "api99")
  ciprop_case(name, "high", "logit")
  quantile_case(name, "api00", 0.5)
}
for (name in c("clus1_jk1", "clus1_jk1_mse", "strat_jkn", "clus1_boot", "paired_brr")) {
  linear_case(name, "mean", "api00")
  linear_case(name, "total", "enroll")
  linear_case(name, "mean", "api00", by = "stype")
  linear_case(name, "ratio", "api00", denominator = "api99")
  ciprop_case(name, "high", "logit")
  ciprop_case(name, "high", "xlogit")
  ciprop_case(name, "high", "mean", by = "stype")
  quantile_case(name, "api00", 0.5)
}
# Created half-samples come from a Sylvester Hadamard matrix, R's from its own list: the
# variance of a total (linear) is the same for any fully balanced set, that of a mean is not.
for (name in c("paired_brr_created", "paired_fay_created")) {
  linear_case(name, "total", "enroll")
  linear_case(name, "total", "enroll", by = "stype")
}

data_out <- list(srs = srs, strat = strat, clus1 = clus1, clus2 = clus2, lonely = lonely,
                 clus2_lonely = clus2_lonely,
                 paired = paired, clus1_boot = clus1_boot, paired_brr = paired_brr)
reference <- list(
  generator = "tests/reference/survey_reference.R",
  r_version = R.version.string,
  survey_version = as.character(packageVersion("survey")),
  data = data_out,
  designs = designs,
  cases = cases
)
writeLines(toJSON(reference, digits = NA, auto_unbox = TRUE, null = "null", na = "null",
                  dataframe = "columns", pretty = FALSE), out)
