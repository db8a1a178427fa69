package org.eqflow.core.eval;

import java.util.List;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.symmetry.GroupElement;
import org.eqflow.core.symmetry.Symmetry;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * How a flow's map treats each factor of a direct-product symmetry {@code G = G₁ × G₂ × …} whose factors act on
 * separate blocks of coordinates — the setting in which the paper relates equivariant flows to disentangled
 * representations (Higgins et al. 2018: a representation is disentangled with respect to {@code G} when it splits
 * into subspaces each changed by one factor only). For each factor, with group elements {@code g} of that factor
 * alone:
 *
 * <ul>
 *   <li>the <b>equivariance error</b> {@code max |T(g·s) − g·T(s)|} over states {@code s = (q, p)}; and</li>
 *   <li>the <b>leak</b> {@code max |π_other(T(g·s)) − π_other(T(s))|}: how far acting with the factor moves the
 *       flow's output on the coordinates the factor does not act on (q and p both).</li>
 * </ul>
 *
 * An exactly equivariant flow (the hard constraint with the data's factorisation) has both at round-off: its map
 * commutes with each factor and, since a factor is the identity off its block, leaves the other blocks' outputs
 * unchanged — latent (base) space and data space split into the same subspaces. A flow built for another
 * factorisation, or for none, has neither.
 */
public final class Disentanglement {
    private Disentanglement() {
    }

    /** One factor's measurements. */
    public record Factor(double equivarianceError, double leak) {
    }

    /**
     * Measures one factor.
     *
     * @param model    the flow
     * @param q        positions {@code [B, d]} in the model's space
     * @param p        momenta {@code [B, d]}
     * @param factor   the factor (a symmetry acting on some coordinates, the identity on the rest)
     * @param elements how many random elements of the factor
     * @param seed     their seed
     */
    public static Factor measure(EquivariantHamiltonianFlow model, INDArray q, INDArray p, Symmetry factor, int elements, long seed) {
        return measure(model, q, p, model.forward(q, p), factor, elements, seed);
    }

    /** As {@link #measure(EquivariantHamiltonianFlow, INDArray, INDArray, Symmetry, int, long)}, with {@code end = T(q, p)} given. */
    static Factor measure(EquivariantHamiltonianFlow model, INDArray q, INDArray p, INDArray[] end, Symmetry factor, int elements,
                          long seed) {
        List<GroupElement> gs = TransportedIwae.randomElements(factor, elements, seed);
        boolean[] acted = actedOn(gs, model.dimension());
        boolean[] others = new boolean[acted.length];
        for (int j = 0; j < acted.length; j++) {
            others[j] = !acted[j];
        }
        double[] r = FlowEquivariance.errorAndLeak(model, q, p, end, gs, others);
        return new Factor(r[0], r[1]);
    }

    /** The coordinates some element moves (a row or column of its matrix on q differs from the identity's). */
    static boolean[] actedOn(List<GroupElement> elements, int d) {
        boolean[] acted = new boolean[d];
        for (GroupElement g : elements) {
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    if (Math.abs(g.onQ()[i][j] - (i == j ? 1 : 0)) > 1e-12) {
                        acted[i] = true;
                        acted[j] = true;
                    }
                }
            }
        }
        return acted;
    }
}
