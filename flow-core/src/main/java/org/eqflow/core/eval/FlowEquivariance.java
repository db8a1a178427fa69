package org.eqflow.core.eval;

import java.util.List;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.symmetry.GroupElement;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The equivariance error of a Hamiltonian flow's map: how far {@code T(g·s)} is from {@code g·T(s)} for phase-space
 * states {@code s = (q, p)} and group elements g acting on q by {@code R} and on p by the cotangent lift
 * {@code R^{−T}}. An energy invariant under the group ({@code {g, H} = 0}, the hard constraint) makes every Leap-Frog
 * step commute with g, so the error is round-off; the soft constraint makes it small where it was imposed; no
 * constraint leaves it free. Equivariance of the map is what makes the density invariant (the paper's Lemma 1), so
 * this is the stronger, direct check; {@link TransportedIwae#invarianceError} measures the consequence.
 */
public final class FlowEquivariance {
    private FlowEquivariance() {
    }

    /**
     * The largest {@code |T(g·s) − g·T(s)|} (Euclidean norm over q and p together) over the states and elements,
     * in the model's space, on the engine the model uses.
     *
     * @param model    the flow
     * @param q        positions {@code [B, d]} in the model's space (a conditional model's rows {@code [B, d + k]} with their
     *                 context, which the elements do not move)
     * @param p        momenta {@code [B, d]}
     * @param elements group elements of the model's symmetry
     * @return the error
     */
    public static double error(EquivariantHamiltonianFlow model, INDArray q, INDArray p, List<GroupElement> elements) {
        return errorAndLeak(model, q, p, model.forward(q, p), elements, new boolean[model.dimension()])[0];
    }

    /**
     * {@link #error} and, over the coordinates marked in {@code leakCoordinates}, the largest
     * {@code |T(g·s) − T(s)|} restricted to them (positions and momenta): how far acting with g moves the output there.
     * {@code end} is {@code T(q, p)}, computed once by a caller that measures several sets of elements at the same states.
     *
     * @return {@code {equivariance error, leak}}
     */
    static double[] errorAndLeak(EquivariantHamiltonianFlow model, INDArray q, INDArray p, INDArray[] end, List<GroupElement> elements,
                                 boolean[] leakCoordinates) {
        double[][] q0 = q.castTo(DataType.DOUBLE).toDoubleMatrix();
        double[][] p0 = p.castTo(DataType.DOUBLE).toDoubleMatrix();
        double[][] q1 = end[0].castTo(DataType.DOUBLE).toDoubleMatrix();
        double[][] p1 = end[1].castTo(DataType.DOUBLE).toDoubleMatrix();
        double worst = 0;
        double leak = 0;
        for (GroupElement g : elements) {
            INDArray[] moved = model.forward(array(GroupElement.applyToLeadingColumns(g.onQ(), q0), q),
                    array(GroupElement.applyToRows(g.onP(), p0), p));
            double[][] mq = moved[0].castTo(DataType.DOUBLE).toDoubleMatrix();
            double[][] mp = moved[1].castTo(DataType.DOUBLE).toDoubleMatrix();
            double[][] gq = GroupElement.applyToRows(g.onQ(), q1);
            double[][] gp = GroupElement.applyToRows(g.onP(), p1);
            for (int i = 0; i < q0.length; i++) {
                double s = 0;
                double l = 0;
                for (int j = 0; j < p0[i].length; j++) {
                    s += sq(mq[i][j] - gq[i][j]) + sq(mp[i][j] - gp[i][j]);
                    if (leakCoordinates[j]) {
                        l += sq(mq[i][j] - q1[i][j]) + sq(mp[i][j] - p1[i][j]);
                    }
                }
                worst = Math.max(worst, Math.sqrt(s));
                leak = Math.max(leak, Math.sqrt(l));
            }
        }
        return new double[] {worst, leak};
    }

    private static double sq(double v) {
        return v * v;
    }

    private static INDArray array(double[][] rows, INDArray like) {
        return Nd4j.create(rows).castTo(like.dataType());
    }
}
