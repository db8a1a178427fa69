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
 * {@code S} a sum of three products of {@code [B, k]} matrices and {@code T + Tᵀ} of three more
 * ({@code T = AᵀA + BᵀC + CᵀB + DᵀD} with {@code C = y₁∘x₂} shared by its two cross terms). For the weighted sum
 * {@code Σ_{a<b} Ω_ab Σ_rows D_ab²} ({@code Ω} symmetric, zero diagonal) the adjoint is {@code P̄ = 2 Ω∘D}, and
 *
 * <pre>
 *   x̄_m = 2 Σ_n [ x_n ∘ ((y_n∘y_m)Ω) − y_n ∘ ((x_n∘y_m)Ω) ],   ȳ_m = 2 Σ_n [ y_n ∘ ((x_n∘x_m)Ω) − x_n ∘ ((y_n∘x_m)Ω) ]
 * </pre>
 *
 * from the products of the ten pair products with {@code Ω}. Work {@code O(B k²)} in GEMMs.
 */
final class RotationBrackets {
    /** The unordered pairs of {x₁, y₁, x₂, y₂} (indices 0..3), in the order of {@link #pairs}. */
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
    /** Whether the subset is every coordinate in order: a site's columns are then read and written as they lie. */
    private final boolean whole;
    /** Index of generator (0, 1) of this block among the model's generators. */
    private final int offset;
    private final int rows;
    private final int k;
    /** x₁, y₁, x₂, y₂ of the current site, each {@code [B, k]}. */
    private final Dense[] v = new Dense[4];
    /** S's factors: {@code (x₁∘x₁, y₁∘y₁), (2 x₁∘x₂, y₁∘y₂), (x₂∘x₂, y₂∘y₂)}. */
    private final Dense[] sU = new Dense[3];
    private final Dense[] sV = new Dense[3];
    /** T's factors {@code A = x₁∘y₁, B = x₁∘y₂, C = y₁∘x₂, D = x₂∘y₂}: {@code T = AᵀA + BᵀC + CᵀB + DᵀD}. */
    private final Dense[] tF = new Dense[4];
    private final Dense s;
    private final Dense t;
    private final Dense omega;
    /** The ten pair products of {@link #PAIRS}, and each times Ω. */
    private final Dense[] pairs = new Dense[PAIRS.length];
    private final Dense[] pairsOmega = new Dense[PAIRS.length];

    RotationBrackets(Blas blas, int[] subset, int offset, int rows, int dimension) {
        this.blas = blas;
        this.subset = subset.clone();
        this.offset = offset;
        this.rows = rows;
        this.k = subset.length;
        boolean inOrder = k == dimension;
        for (int a = 0; a < k && inOrder; a++) {
            inOrder = subset[a] == a;
        }
        this.whole = inOrder;
        for (int i = 0; i < 4; i++) {
            v[i] = new Dense(rows, k);
            tF[i] = new Dense(rows, k);
        }
        for (int i = 0; i < 3; i++) {
            sU[i] = new Dense(rows, k);
            sV[i] = new Dense(rows, k);
        }
        s = new Dense(k, k);
        t = new Dense(k, k);
        omega = new Dense(k, k);
        for (int i = 0; i < PAIRS.length; i++) {
            pairs[i] = new Dense(rows, k);
            pairsOmega[i] = new Dense(rows, k);
        }
    }

    /** The number of generators of this block. */
    int size() {
        return k * (k - 1) / 2;
    }

    /**
     * Reads a site ({@code [B, d]} row-major: positions, momenta, ∇K(p), ∇U(q)) and adds
     * {@code weight · Σ_rows {g_ab, H}²} to {@code constraints[offset + …]}. Every element-wise loop here reads
     * and writes its arrays at one index (JDK 17's C2 vectorises only such loops).
     */
    void accumulate(double[] q, double[] p, double[] gradK, double[] gradU, int d, double weight, double[] constraints) {
        double[] x1 = v[0].v;
        double[] y1 = v[1].v;
        double[] x2 = v[2].v;
        double[] y2 = v[3].v;
        int n = rows * k;
        if (whole) {
            System.arraycopy(p, 0, x1, 0, n);
            System.arraycopy(gradK, 0, y1, 0, n);
            System.arraycopy(gradU, 0, x2, 0, n);
            for (int c = 0; c < n; c++) {
                y2[c] = -q[c];
            }
        } else {
            for (int r = 0, o = 0, c = 0; r < rows; r++, o += d) {
                for (int a = 0; a < k; a++, c++) {
                    int i = o + subset[a];
                    x1[c] = p[i];
                    y1[c] = gradK[i];
                    x2[c] = gradU[i];
                    y2[c] = -q[i];
                }
            }
        }
        // S: (1,1), (1,2)+(2,1) as twice (1,2), (2,2)
        product(sU[0].v, 1, x1, x1, n);
        product(sV[0].v, 1, y1, y1, n);
        product(sU[1].v, 2, x1, x2, n);
        product(sV[1].v, 1, y1, y2, n);
        product(sU[2].v, 1, x2, x2, n);
        product(sV[2].v, 1, y2, y2, n);
        // T + Tᵀ = T' + T'ᵀ with T' = AᵀA + DᵀD + 2 BᵀC
        product(tF[0].v, 1, x1, y1, n);
        product(tF[1].v, 1, x1, y2, n);
        product(tF[2].v, 1, y1, x2, n);
        product(tF[3].v, 1, x2, y2, n);
        for (int i = 0; i < 3; i++) {
            blas.gemm(sU[i], true, sV[i], false, s, 1, i == 0 ? 0 : 1);
        }
        blas.gemm(tF[0], true, tF[0], false, t, 1, 0);
        blas.gemm(tF[3], true, tF[3], false, t, 1, 1);
        blas.gemm(tF[1], true, tF[2], false, t, 2, 1);
        double[] sm = s.v;
        double[] tm = t.v;
        for (int a = 0, g = offset; a < k; a++) {
            for (int b = a + 1; b < k; b++, g++) {
                double sum = sm[a * k + b] + sm[b * k + a] - tm[a * k + b] - tm[b * k + a];
                constraints[g] += weight * Math.max(sum, 0.0);
            }
        }
    }

    /** {@code out[c] = factor · a[c] · b[c]} for {@code c < n}. */
    private static void product(double[] out, double factor, double[] a, double[] b, int n) {
        for (int c = 0; c < n; c++) {
            out[c] = factor * a[c] * b[c];
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
        for (int i = 0; i < PAIRS.length; i++) {
            product(pairs[i].v, 1, v[PAIRS[i][0]].v, v[PAIRS[i][1]].v, n);
            blas.gemm(pairs[i], false, omega, false, pairsOmega[i], 1, 0);
        }
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
        double[] o = out.v;
        // x̄_m = 2 Σ_n [x_n ∘ M(y_n, y_m) − y_n ∘ M(x_n, y_m)];  ȳ_m = 2 Σ_n [y_n ∘ M(x_n, x_m) − x_n ∘ M(y_n, x_m)]
        int m = partner;  // M's second factor: y_m for x̄_m, x_m for ȳ_m
        double f = sign * 2;
        for (int nIndex = 0; nIndex < 2; nIndex++) {
            int xn = 2 * nIndex;
            int yn = 2 * nIndex + 1;
            int same = isX ? xn : yn;    // multiplies M(other_n, m)
            int other = isX ? yn : xn;
            double[] sameV = v[same].v;
            double[] otherV = v[other].v;
            double[] plus = pairsOmega[PAIR_INDEX[other][m]].v;   // M(y_n, y_m) for x̄, M(x_n, x_m) for ȳ
            double[] minus = pairsOmega[PAIR_INDEX[same][m]].v;   // M(x_n, y_m) for x̄, M(y_n, x_m) for ȳ
            if (whole) {
                for (int c = 0; c < n; c++) {
                    o[c] += f * (sameV[c] * plus[c] - otherV[c] * minus[c]);
                }
                continue;
            }
            for (int r = 0, c = 0, row = 0; r < rows; r++, row += d) {
                for (int a = 0; a < k; a++, c++) {
                    o[row + subset[a]] += f * (sameV[c] * plus[c] - otherV[c] * minus[c]);
                }
            }
        }
    }
}
