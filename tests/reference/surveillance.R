# Reference values for salus.analytics.surveillance, computed with R's `surveillance` package.
#
# Regenerate (from the repository root; needs `apt-get install -y r-base-core r-cran-surveillance`):
#
#   python ../shared/bench/workloads.py weekly /tmp/salus-weekly
#   Rscript tests/reference/surveillance.R /tmp/salus-weekly tests/golden/surveillance
#
# Writes one JSON file per case into the output folder. Each file holds the inputs (observed counts,
# dates or period indices, population), the control list given to R, the monitored range (1-based,
# as in R) and R's outputs, so the Python tests need neither R nor the benchmark workload.
# R is never a run-time dependency of Salus.

suppressMessages(library(surveillance))
suppressMessages(library(jsonlite))

args <- commandArgs(trailingOnly = TRUE)
weekly_dir <- if (length(args) >= 1) args[1] else "/tmp/salus-weekly"
out_dir <- if (length(args) >= 2) args[2] else "tests/golden/surveillance"
dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)

write_case <- function(name, value) {
  value$case <- name
  value$generated_by <- paste("surveillance", packageDescription("surveillance")$Version,
                              "on", R.version.string)
  writeLines(toJSON(value, na = "null", digits = I(15), auto_unbox = TRUE, matrix = "rowmajor"),
             file.path(out_dir, paste0(name, ".json")))
}

sts_inputs <- function(sts) {
  list(observed = unname(observed(sts)), freq = sts@freq, start = sts@start,
       dates = if (sts@epochAsDate) format(epoch(sts)) else NULL,
       population = unname(population(sts)))
}

# ---- EARS C1, C2, C3 ----------------------------------------------------------------------------
data("salmNewport")
ears_case <- function(name, sts, control) {
  res <- earsC(sts, control = control)
  rng <- res@control$range
  write_case(name, c(sts_inputs(sts), list(
    func = "earsC", control = control[setdiff(names(control), "range")], range = rng,
    upperbound = unname(res@upperbound), alarm = unname(res@alarm) * 1)))
}
ears_case("ears_c1_salmNewport", salmNewport, list(method = "C1"))
ears_case("ears_c2_salmNewport", salmNewport, list(method = "C2"))
ears_case("ears_c3_salmNewport", salmNewport, list(method = "C3"))
ears_case("ears_c1_baseline10_minsigma_salmNewport", salmNewport,
          list(method = "C1", baseline = 10, minSigma = 1, alpha = 0.01))
ears_case("ears_c3_alpha01_salmNewport", salmNewport, list(method = "C3", alpha = 0.01))

# ---- CUSUM (Rossi / Rogerson-Yamada standardised counts) ----------------------------------------
data("ha.sts")
cusum_case <- function(name, sts, control) {
  outs <- lapply(seq_len(ncol(sts)), function(j) {
    algo.cusum(sts2disProg(sts[, j]), control = control)
  })
  col <- function(f) do.call(cbind, lapply(outs, f))
  write_case(name, c(sts_inputs(sts), list(
    func = "cusum", control = control[setdiff(names(control), "range")], range = control$range,
    cusum = col(function(o) o$cusum), upperbound = col(function(o) o$upperbound),
    alarm = col(function(o) o$alarm * 1), m = col(function(o) rep_len(o$control$m, length(control$range))))))
}
ha_range <- 105:290
cusum_case("cusum_standard_ha", ha.sts, list(range = ha_range, k = 1.04, h = 2.26, trans = "standard"))
cusum_case("cusum_rossi_ha", ha.sts, list(range = ha_range, k = 1.04, h = 2.26, trans = "rossi"))
cusum_case("cusum_anscombe_ha", ha.sts, list(range = ha_range, k = 1.04, h = 2.26, trans = "anscombe"))
cusum_case("cusum_negbin_ha", ha.sts,
           list(range = ha_range, k = 1.04, h = 2.26, trans = "pearsonNegBin", alpha = 0.2))
cusum_case("cusum_glm_ha", ha.sts,
           list(range = ha_range, k = 0.5, h = 4, trans = "standard", m = "glm"))

# ---- Farrington (1996) --------------------------------------------------------------------------
data("salmonella.agona")
agona <- disProg2sts(salmonella.agona)
farrington_case <- function(name, sts, control) {
  outs <- lapply(seq_len(ncol(sts)), function(j) {
    algo.farrington(sts2disProg(sts[, j]), control = control)
  })
  col <- function(f) do.call(cbind, lapply(outs, f))
  write_case(name, c(sts_inputs(sts), list(
    func = "farrington", control = control[setdiff(names(control), "range")],
    range = control$range, upperbound = col(function(o) o$upperbound),
    alarm = col(function(o) o$alarm * 1), trend = col(function(o) o$trend * 1))))
}
farrington_case("farrington_agona", agona, list(range = 264:312, b = 5, w = 3))
farrington_case("farrington_agona_b3w2_alpha01", agona,
                list(range = 160:312, b = 3, w = 2, alpha = 0.01))
farrington_case("farrington_ha", ha.sts, list(range = 200:290, b = 3, w = 3))
farrington_case("farrington_salmNewport_dates", salmNewport[, 1:4],
                list(range = 400:528, b = 5, w = 3))

# ---- Farrington-flexible (Noufaily et al. 2013) -------------------------------------------------
flexible_case <- function(name, sts, control, extra = list()) {
  t0 <- proc.time()[["elapsed"]]
  res <- farringtonFlexible(sts, control = c(control, list(glmWarnings = FALSE)))
  seconds <- proc.time()[["elapsed"]] - t0
  ctl <- res@control
  write_case(name, c(sts_inputs(sts), extra, list(
    func = "farringtonFlexible", control = control[setdiff(names(control), "range")],
    range = control$range, seconds = seconds,
    upperbound = unname(res@upperbound), alarm = unname(res@alarm) * 1,
    expected = unname(ctl$expected), score = unname(ctl$score), phi = unname(ctl$phiVector),
    trend = unname(ctl$trend), mu0 = unname(ctl$mu0Vector), pvalue = unname(ctl$pvalue))))
}
noufaily <- list(noPeriods = 10, pastWeeksNotIncluded = 26, weightsThreshold = 2.58,
                 pThresholdTrend = 0.05, trend = TRUE, reweight = TRUE)
flexible_case("flexible_default_salmNewport", salmNewport, list(range = 400:528))
flexible_case("flexible_noufaily_salmNewport", salmNewport, c(list(range = 400:528), noufaily))
flexible_case("flexible_nbplugin_salmNewport", salmNewport,
              c(list(range = 400:528, thresholdMethod = "nbPlugin"), noufaily))
flexible_case("flexible_muan_salmNewport", salmNewport,
              c(list(range = 400:528, thresholdMethod = "muan"), noufaily))
flexible_case("flexible_agona_b3_noperiods4", agona,
              list(range = 200:312, b = 3, w = 2, noPeriods = 4, alpha = 0.01, powertrans = "1/2"))
flexible_case("flexible_ha_notrend_noreweight", ha.sts,
              list(range = 270:290, b = 5, w = 3, trend = FALSE, reweight = FALSE,
                   powertrans = "none", limit54 = c(3, 3)))

# Population offset: salmNewport with a made-up, growing population per area.
newport_pop <- salmNewport[, 1:6]
weeks <- seq_len(nrow(newport_pop))
population(newport_pop) <- outer(1e5 * (1 + weeks / 400), seq_len(6))
flexible_case("flexible_population_offset_salmNewport", newport_pop,
              c(list(range = 400:528, populationOffset = TRUE), noufaily))

# ---- A sample of the benchmark workload (../shared/bench/workloads.py weekly) ------------------
counts <- as.matrix(read.csv(file.path(weekly_dir, "weekly_counts.csv"), header = FALSE))
start <- scan(file.path(weekly_dir, "outbreak_start.csv"), quiet = TRUE)
areas <- c(which(start > 0)[1:10], which(start == 0)[1:10])
bench_sts <- function(columns) {
  sts(observed = counts[, columns], epoch = as.Date("2015-01-05") + 7 * (seq_len(nrow(counts)) - 1),
      epochAsDate = TRUE, frequency = 52)
}
last_year <- (nrow(counts) - 51):nrow(counts)
extra <- list(areas = areas - 1, outbreak_start = start[areas])
flexible_case("bench_flexible_default", bench_sts(areas), list(range = last_year), extra)
flexible_case("bench_flexible_noufaily", bench_sts(areas), c(list(range = last_year), noufaily), extra)
