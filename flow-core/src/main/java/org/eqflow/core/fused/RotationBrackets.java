package org.eqflow.core.fused;

/**
 * The brackets of all {@code k(k−1)/2} so(k) generators of a coordinate subset {@code S} with a separable
 * Hamiltonian, as matrix products instead of a loop over generators ({@code symmetry.SpecialOrthogonal} is
 * the graph form). Per row, with {@code x₁ = p_S, y₁ = ∇K(p)_S, x₂ = ∇U(q)_S, y₂ = −q_S}:
 *
 * <pre>
 *   P = x₁y₁ᵀ + x₂y₂ᵀ,   D = P − Pᵀ,   {g_ab, H} = D_ab  (a &lt; b, the order of SpecialOrthogonal's generators)
 *   Σ_rows D_ab² = (S + Sᵀ − T − Tᵀ)_ab,   S = Σ_mn (x_m∘x_n)ᵀ(y_m∘y_n),   T = Σ_mn (x_m∘y_n)ᵀ(y_m∘x_n)
 * </pre>
 *
 * each of {@code S} and {@code T} one product of row-stacked {@code [·B, k]} matrices. For the weighted sum
 * {@code Σ_{a<b} Ω_ab Σ_rows D_ab²} ({@code Ω} symmetric, zero diagonal) the adjoint is {@code P̄ = 2 Ω∘D}, and
 *
 * <pre>
 *   x̄_m = 2 Σ_n [ x_n ∘ ((y_n∘y_m)Ω) − y_n ∘ ((x_n∘y_m)Ω) ],   ȳ_m = 2 Σ_n [ y_n ∘ ((x_n∘x_m)Ω) − x_n ∘ ((y_n∘x_m)Ω) ]
 * </pre>
 *
 * from one product of the ten row-stacked pair products with {@code Ω}. Work {@code O(B k²)} in GEMMs.
 */
final class RotationBrackets {
    /** The unordered pairs of {x₁, y₁, x₂, y₂} (indices 0..3), in the row-block order of {@link #pairs}. */
    private static final int[][] PAIRS = {{0, 0}, {0, 1}, {0, 2}, {0, 3}, {1, 1}, {1, 2}, {1, 3}, {2, 2}, {2, 3}, {3, 3}};
    private static final int[][] PAIR_INDEX = new int[4][4];

    static {
        for (int i = 0; i < PAIRS.length; i++) {
            PAIR_INDEX[PAIRS[i][0]][PAIRS[i][1]] = i;
            PAIR_INDEX[PAIRS[i][1]][PAIRS[i][0]] = i;
        }
    }

    private final Blas blas;
    private final int[] subset;
    /** Index of generator (0, 1) of this block among the model's generators. */
    private final int offset;
    private final int rows;
    private final int k;
    /** x₁, y₁, x₂, y₂ of the current site, each {@code [B, k]}. */
    private final Dense[] v = new Dense[4];
    private final Dense su;
    private final Dense sv;
    private final Dense tu;
    private final Dense tv;
    private final Dense s;
    private final Dense t;
    private final Dense omega;
    private final Dense pairs;
    private final Dense pairsOmega;

    RotationBrackets(Blas blas, int[] subset, int offset, int rows) {
        this.blas = blas;
        this.subset = subset.clone();
        this.offset = offset;
        this.rows = rows;
        this.k = subset.length;
        for (int i = 0; i < 4; i++) {
            v[i] = new Dense(rows, k);
        }
        su = new Dense(3 * rows, k);
        sv = new Dense(3 * rows, k);
        tu = new Dense(4 * rows, k);
        tv = new Dense(4 * rows, k);
        s = new Dense(k, k);
        t = new Dense(k, k);
        omega = new Dense(k, k);
        pairs = new Dense(PAIRS.length * rows, k);
        pairsOmega = new Dense(PAIRS.length * rows, k);
    }

    /** The number of generators of this block. */
    int size() {
        return k * (k - 1) / 2;
    }

    /**
     * Reads a site ({@code [B, d]} row-major: positions, momenta, ∇K(p), ∇U(q)) and adds
     * {@code weight · Σ_rows {g_ab, H}²} to {@code constraints[offset + …]}.
     */
    void accumulate(double[] q, double[] p, double[] gradK, double[] gradU, int d, double weight, double[] constraints) {
        double[] x1 = v[0].v;
        double[] y1 = v[1].v;
        double[] x2 = v[2].v;
        double[] y2 = v[3].v;
        for (int r = 0, o = 0, c = 0; r < rows; r++, o += d) {
            for (int a = 0; a < k; a++, c++) {
                int i = o + subset[a];
                x1[c] = p[i];
                y1[c] = gradK[i];
                x2[c] = gradU[i];
                y2[c] = -q[i];
            }
        }
        int n = rows * k;
        double[] su1 = su.v;
        double[] sv1 = sv.v;
        double[] tu1 = tu.v;
        double[] tv1 = tv.v;
        for (int c = 0; c < n; c++) {
            // S: (1,1), (1,2)+(2,1) as twice (1,2), (2,2)
            su1[c] = x1[c] * x1[c];
            sv1[c] = y1[c] * y1[c];
            su1[n + c] = 2 * x1[c] * x2[c];
            sv1[n + c] = y1[c] * y2[c];
            su1[2 * n + c] = x2[c] * x2[c];
            sv1[2 * n + c] = y2[c] * y2[c];
            // T: (m,n) → (x_m∘y_n, y_m∘x_n)
            tu1[c] = x1[c] * y1[c];
            tv1[c] = y1[c] * x1[c];
            tu1[n + c] = x1[c] * y2[c];
            tv1[n + c] = y1[c] * x2[c];
            tu1[2 * n + c] = x2[c] * y1[c];
            tv1[2 * n + c] = y2[c] * x1[c];
            tu1[3 * n + c] = x2[c] * y2[c];
            tv1[3 * n + c] = y2[c] * x2[c];
        }
        blas.gemm(su, true, sv, false, s, 1, 0);
        blas.gemm(tu, true, tv, false, t, 1, 0);
        double[] sm = s.v;
        double[] tm = t.v;
        for (int a = 0, g = offset; a < k; a++) {
            for (int b = a + 1; b < k; b++, g++) {
                double sum = sm[a * k + b] + sm[b * k + a] - tm[a * k + b] - tm[b * k + a];
                constraints[g] += weight * Math.max(sum, 0.0);
            }
        }
    }

    /**
     * The adjoints of {@code Σ_g scale_g · (weight · Σ_rows {g, H}²)} at the last accumulated site: adds
     * {@code ∂/∂∇K(p)} into {@code kBar} and {@code ∂/∂∇U(q)} into {@code uBar}, and, when not null, the
     * direct {@code ∂/∂p} into {@code pBar} and {@code ∂/∂q} into {@code qBar} (all {@code [B, d]}).
     *
     * @param scale per generator of the model ({@code λ_g} for the Lagrangian)
     */
    void backward(double[] scale, double weight, int d, Dense kBar, Dense uBar, Dense pBar, Dense qBar) {
        double[] om = omega.v;
        java.util.Arrays.fill(om, 0.0);
        for (int a = 0, g = offset; a < k; a++) {
            for (int b = a + 1; b < k; b++, g++) {
                om[a * k + b] = scale[g] * weight;
                om[b * k + a] = scale[g] * weight;
            }
        }
        int n = rows * k;
        double[] pv = pairs.v;
        for (int i = 0; i < PAIRS.length; i++) {
            double[] u = v[PAIRS[i][0]].v;
            double[] w = v[PAIRS[i][1]].v;
            int base = i * n;
            for (int c = 0; c < n; c++) {
                pv[base + c] = u[c] * w[c];
            }
        }
        blas.gemm(pairs, false, omega, false, pairsOmega, 1, 0);
        // x̄_m (vectors 0, 2) and ȳ_m (vectors 1, 3); x̄₁ → p, ȳ₁ → ∇K, x̄₂ → ∇U, ȳ₂ → −q
        scatter(0, 1, true, pBar, 1, d);
        scatter(1, 0, false, kBar, 1, d);
        scatter(2, 3, true, uBar, 1, d);
        scatter(3, 2, false, qBar, -1, d);
    }

    /**
     * Adds {@code sign · (adjoint of vector `which`)} into {@code out}'s subset columns; {@code partner} is its
     * pair in P ({@code x_m ↔ y_m}).
     */
    private void scatter(int which, int partner, boolean isX, Dense out, double sign, int d) {
        if (out == null) {
            return;
        }
        int n = rows * k;
        double[] po = pairsOmega.v;
        double[] o = out.v;
        // x̄_m = 2 Σ_n [x_n ∘ M(y_n, y_m) − y_n ∘ M(x_n, y_m)];  ȳ_m = 2 Σ_n [y_n ∘ M(x_n, x_m) − x_n ∘ M(y_n, x_m)]
        int m = partner;  // M's second factor: y_m for x̄_m, x_m for ȳ_m
        for (int nIndex = 0; nIndex < 2; nIndex++) {
            int xn = 2 * nIndex;
            int yn = 2 * nIndex + 1;
            int same = isX ? xn : yn;    // multiplies M(other_n, m)
            int other = isX ? yn : xn;
            double[] sameV = v[same].v;
            double[] otherV = v[other].v;
            int plus = PAIR_INDEX[other][m] * n;   // M(y_n, y_m) for x̄, M(x_n, x_m) for ȳ
            int minus = PAIR_INDEX[same][m] * n;   // M(x_n, y_m) for x̄, M(y_n, x_m) for ȳ
            for (int r = 0, c = 0, row = 0; r < rows; r++, row += d) {
                for (int a = 0; a < k; a++, c++) {
                    o[row + subset[a]] += sign * 2 * (sameV[c] * po[plus + c] - otherV[c] * po[minus + c]);
                }
            }
        }
    }
}
