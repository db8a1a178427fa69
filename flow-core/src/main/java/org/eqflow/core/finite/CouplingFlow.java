package org.eqflow.core.finite;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eqflow.core.fused.HostArrays;
import org.eqflow.core.graph.ParameterSource;
import org.eqflow.core.model.Objective;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An equivariant coupling flow on sets of {@code k} points in the plane (rows {@code (x_1, y_1, …, x_k, y_k)}): a
 * standard normal base pushed through {@link CouplingLayer}s, each moving half the points by a radial reshaping
 * about a centre and a shift that are built from the other points and their norms and distances. Every layer commutes
 * with any rotation or reflection of the plane applied to all points alike, so the density is exactly
 * O(2)-invariant (a continuous group, which the residual flow's averaging cannot reach), with an exact
 * log-likelihood and a closed-form inverse up to a one-dimensional root per point.
 *
 * <p>Permutations: a layer moves a fixed subset of the points, so the flow is not equivariant under relabelling
 * the points; for a target symmetric under permutations the residual flow with {@code perm:<k>x2} (and a
 * rotation subgroup) is, at the cost of averaging. docs/finite-flows.md compares the two.
 */
public final class CouplingFlow extends FiniteFlow {
    /** The family's name in model files and on the command line. */
    public static final String FAMILY = "coupling";

    private final List<CouplingLayer> layers = new ArrayList<>();
    private final CouplingKernel kernel;
    private final HostArrays host = new HostArrays();

    CouplingFlow(FiniteFlowConfig config) {
        super(config);
        int points = config.dimension() / 2;
        SDVariable x = input;
        SDVariable logDet = null;
        for (int l = 0; l < config.blocks(); l++) {
            CouplingLayer layer = new CouplingLayer(params, "c" + l, points, config.hidden(), l);
            layers.add(layer);
            SDVariable[] out = layer.apply(sd, x);
            x = out[0];
            logDet = logDet == null ? out[1] : logDet.add(out[1]);
        }
        finish(x, logDet);
        this.kernel = new CouplingKernel(config.dimension(), config.hidden(), layers);
    }

    @Override
    Objective fusedObjective(INDArray q) {
        if (!useFused) {
            return null;
        }
        CouplingKernel.Result r = kernel.evaluate(parameters(), values(q), (int) q.rows());
        return new Objective(r.loss(), r.loss(), new double[0], r.gradients());
    }

    @Override
    double[] fusedLogDensity(INDArray part) {
        return useFused ? kernel.logDensity(parameters(), values(part), (int) part.rows()) : null;
    }

    private double[] values(INDArray a) {
        double[] out = new double[(int) a.length()];
        host.read(a, out);
        return out;
    }

    /** A new flow with initial weights from the configuration's seed. */
    public static CouplingFlow create(FiniteFlowConfig config) {
        if (config.kind() != FiniteFlowConfig.Kind.COUPLING) {
            throw new IllegalArgumentException("not a coupling configuration: " + config.kind());
        }
        return new CouplingFlow(config);
    }

    /** The shape of every parameter of a coupling configuration, in creation order. */
    static Map<String, long[]> shapes(FiniteFlowConfig config) {
        String[] names = {"W1", "b1", "W2", "b2", "W3", "b3"};
        long[][] s = CouplingLayer.shapes(config.dimension() / 2, config.hidden());
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (int l = 0; l < config.blocks(); l++) {
            for (int i = 0; i < names.length; i++) {
                shapes.put("c" + l + names[i], s[i]);
            }
        }
        return shapes;
    }

    /**
     * {@code F⁻¹(z)}: layer by layer from the last, the conditioning points are kept, the conditioner is evaluated
     * at them, and each moved point is recovered from {@code y − v − t = (ρ(r)/r) u}: {@code r} solves
     * {@code ρ(r) = |y − v − t|} and {@code u} points along {@code y − v − t}. The conditioners come from the
     * hand-derived kernel, or on the graph engine from a graph of their own built by the same builder with the
     * current weights (the training graph keeps only what the loss needs); the roots are computed in float64.
     */
    @Override
    public INDArray inverse(INDArray z) {
        int n = (int) z.rows();
        int d = config.dimension();
        double[] y = z.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        SameDiff conditioners = useFused ? null : SameDiff.create();
        List<String[]> outputs = new ArrayList<>();
        if (!useFused) {
            ParameterSource current = (name, shape, init) -> conditioners.var(name, sd.getVariable(name).getArr().dup());
            for (int l = 0; l < layers.size(); l++) {
                CouplingLayer.Conditioned c = new CouplingLayer(current, "c" + l, layers.get(l).points, config.hidden(), l)
                        .condition(conditioners, conditioners.placeHolder("y" + l, dataType, -1, d));
                outputs.add(new String[] {c.centre().name(), c.shift().name(), c.scale().name(), c.height().name(),
                    c.position().name(), c.sharpness().name()});
            }
        }
        Map<String, INDArray> params = parameters();
        for (int l = layers.size() - 1; l >= 0; l--) {
            CouplingLayer layer = layers.get(l);
            double[] centre;
            double[] shift;
            double[] scale;
            double[] height;
            double[] position;
            double[] sharpness;
            if (useFused) {
                CouplingKernel.Conditioner c = kernel.condition(params, l, y, n);
                centre = c.centre;
                shift = c.shift;
                scale = c.logScale.clone();
                for (int i = 0; i < scale.length; i++) {
                    scale[i] = Math.exp(scale[i]);
                }
                height = c.height;
                position = c.position;
                sharpness = c.sharpness;
            } else {
                String[] names = outputs.get(l);
                Map<String, INDArray> in = new HashMap<>();
                in.put("y" + l, Nd4j.create(y, new long[] {n, d}, DataType.DOUBLE).castTo(dataType));
                Map<String, INDArray> out = conditioners.output(in, names);
                centre = values(out.get(names[0]).castTo(DataType.DOUBLE));
                shift = values(out.get(names[1]).castTo(DataType.DOUBLE));
                scale = values(out.get(names[2]).castTo(DataType.DOUBLE));
                height = values(out.get(names[3]).castTo(DataType.DOUBLE));
                position = values(out.get(names[4]).castTo(DataType.DOUBLE));
                sharpness = values(out.get(names[5]).castTo(DataType.DOUBLE));
            }
            int a = layer.moved.length;
            int k = CouplingLayer.BUMPS;
            for (int row = 0; row < n; row++) {
                for (int i = 0; i < a; i++) {
                    int p = layer.moved[i];
                    int v = row * 2 * a + 2 * i;
                    double qx = y[row * d + 2 * p] - centre[v] - shift[v];
                    double qy = y[row * d + 2 * p + 1] - centre[v + 1] - shift[v + 1];
                    double m = Math.hypot(qx, qy);
                    double r = m == 0 ? 0 : CouplingLayer.invertProfile(m, scale[row * a + i], height, position, sharpness,
                            (row * a + i) * k);
                    double f = m == 0 ? 0 : r / m;
                    y[row * d + 2 * p] = centre[v] + f * qx;
                    y[row * d + 2 * p + 1] = centre[v + 1] + f * qy;
                }
            }
        }
        return Nd4j.create(y, new long[] {n, d}, DataType.DOUBLE).castTo(dataType);
    }

    @Override
    public String engineDescription() {
        return (useFused ? "fused" : "graph") + " (" + config.blocks() + " O(2)-equivariant coupling layers on "
                + config.dimension() / 2 + " points in the plane)";
    }

    @Override
    public String family() {
        return FAMILY;
    }
}
