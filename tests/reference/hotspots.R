# Reference values for salus.analytics.hotspots, computed with R's spdep.
#
# Regenerate (from the repository root; needs R only, never at test time):
#   apt-get update && apt-get install -y r-base-core r-cran-spdep r-cran-spdata
#   Rscript tests/reference/hotspots.R
# Writes tests/golden/hotspots/*.csv and columbus.geojson; the test suite reads only those files.
#
# Cases:
#   * spData's Columbus, Ohio neighbourhoods (49 polygons, CRIME = residential burglaries and
#     vehicle thefts per 1,000 households), contiguity from the polygons with poly2nb (queen, rook);
#   * a 7 x 9 lattice (cell2nb, queen and rook) with deterministic counts and a raised corner.
# Statistics: localG on include.self() neighbours with binary weights (Gi*, Ord and Getis 1995),
# localG without self (Gi), localmoran with row-standardised weights (Anselin 1995) with the
# conditional (default in spdep >= 1.2) and total randomisation variances.
suppressPackageStartupMessages({library(spdep); library(sf); library(spData)})
options(digits = 17)
out <- "tests/golden/hotspots"
dir.create(out, showWarnings = FALSE, recursive = TRUE)

edges <- function(nb) {
  do.call(rbind, lapply(seq_along(nb), function(i) {
    j <- nb[[i]][nb[[i]] > 0]
    if (length(j) == 0) return(NULL)
    data.frame(i = i - 1L, j = j - 1L)
  }))
}

statistics <- function(x, nb) {
  gstar <- as.numeric(localG(x, nb2listw(include.self(nb), style = "B")))
  g <- as.numeric(localG(x, nb2listw(nb, style = "B")))
  lw <- nb2listw(nb, style = "W")
  lm_c <- localmoran(x, lw, conditional = TRUE)
  lm_t <- localmoran(x, lw, conditional = FALSE)
  data.frame(value = x, gi_star_z = gstar, gi_z = g,
             moran_i = lm_c[, "Ii"], moran_expected = lm_c[, "E.Ii"],
             moran_variance_conditional = lm_c[, "Var.Ii"], moran_z_conditional = lm_c[, "Z.Ii"],
             moran_variance_total = lm_t[, "Var.Ii"], moran_z_total = lm_t[, "Z.Ii"])
}

write <- function(df, name) write.csv(df, file.path(out, name), row.names = FALSE)

columbus <- st_read(system.file("shapes/columbus.shp", package = "spData"), quiet = TRUE)
columbus <- columbus[, c("POLYID", "CRIME")]
st_crs(columbus) <- NA
geo <- file.path(out, "columbus.geojson")
if (file.exists(geo)) file.remove(geo)
st_write(columbus, geo, driver = "GeoJSON", quiet = TRUE,
         layer_options = c("COORDINATE_PRECISION=15", "RFC7946=NO"))
for (kind in c("queen", "rook")) {
  nb <- poly2nb(columbus, queen = kind == "queen")
  write(edges(nb), sprintf("columbus_%s_edges.csv", kind))
  write(cbind(polyid = columbus$POLYID, statistics(columbus$CRIME, nb)),
        sprintf("columbus_%s_statistics.csv", kind))
}

rows <- 7; cols <- 9
cell <- seq_len(rows * cols) - 1L
r <- cell %/% cols; k <- cell %% cols
counts <- (r * 7 + k * 3) %% 11 + ifelse(r >= 4 & k >= 6, 12, 0)
for (kind in c("queen", "rook")) {
  nb <- cell2nb(rows, cols, type = kind)  # region.id "col:row": cell = row * cols + col
  write(edges(nb), sprintf("grid_%s_edges.csv", kind))
  write(cbind(cell = seq_along(nb) - 1L, statistics(counts[seq_along(nb)], nb)),
        sprintf("grid_%s_statistics.csv", kind))
}
cat("wrote", length(list.files(out)), "files to", out, "\n")
