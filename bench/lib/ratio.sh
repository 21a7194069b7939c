# ratio.sh: sourced by the benchmarks that measure a figure beside its limit or peer in the
# same run (docs/performance.md, "Ratios"). The caller alternates A and B (A B A B ...) and
# passes the figures of each; ratio_row prints one Markdown row: the medians of A and of B,
# the median of the per-pair ratios A/B and their range, and every figure in run order.
# Usage: ratio_row WHAT UNIT "A1 A2 A3 ..." "B1 B2 B3 ..." [TARGET]
ratio_header() {
    printf '| what | unit | measured (median) | limit or peer (median) | ratio (median of pairs) | ratio range | runs A/B in order | target |\n'
    printf '|---|---|---|---|---|---|---|---|\n'
}
ratio_row() {
    awk -v what="$1" -v unit="$2" -v a="$3" -v b="$4" -v target="${5:-}" '
    function median(v, n,   i, j, t) {
        for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
        return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
    }
    function fmt(x) { return x >= 100 ? sprintf("%.0f", x) : sprintf("%.3g", x) }
    BEGIN {
        na = split(a, A, " "); nb = split(b, B, " ")
        if (na != nb || na == 0) { printf "| %s | %s | mismatched runs (%d and %d) | | | | | |\n", what, unit, na, nb; exit }
        runs = ""; lo = ""; hi = ""
        for (i = 1; i <= na; i++) {
            R[i] = B[i] > 0 ? A[i] / B[i] : 0
            if (lo == "" || R[i] < lo) lo = R[i]; if (hi == "" || R[i] > hi) hi = R[i]
            runs = runs (i > 1 ? ", " : "") fmt(A[i]) "/" fmt(B[i])
            SA[i] = A[i]; SB[i] = B[i]
        }
        printf "| %s | %s | %s | %s | **%.2fx** | %.2f-%.2f | %s | %s |\n", what, unit,
               fmt(median(SA, na)), fmt(median(SB, nb)), median(R, na), lo, hi, runs, target
    }'
}
