package org.eqflow.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.eqflow.core.base.SoftUniform;
import org.eqflow.core.base.StandardNormal;
import org.eqflow.core.energy.Hamiltonian;
import org.eqflow.core.energy.RadialEnergy;
import org.eqflow.core.energy.SoftplusMlp;
import org.eqflow.core.flow.PhaseState;
import org.eqflow.core.graph.GraphParameters;
import org.eqflow.core.symmetry.BaseInvariance;
import org.eqflow.core.symmetry.GeneratorSet;
import org.eqflow.core.symmetry.LinearGenerator;
import org.eqflow.core.symmetry.PoissonBracket;
import org.eqflow.core.symmetry.SpecialOrthogonal;
import org.eqflow.core.symmetry.Symmetry;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Poisson brackets: closed forms, vectorised against one-by-one, and the invariances Lemma 1 needs. */
class BracketTest {
    private static final int B = 32;

    private record Graph(SameDiff sd, Hamiltonian ham, PhaseState state, Map<String, INDArray> feeds) {
    }

    private static Graph graph(int d, boolean radial, List<int[]> subsets) {
        SameDiff sd = SameDiff.create();
        GraphParameters params = new GraphParameters(sd, DataType.DOUBLE, 5);
        Hamiltonian ham = radial
                ? new Hamiltonian(new RadialEnergy(params, "kin", d, subsets, 16), new RadialEnergy(params, "pot", d, subsets, 16))
                : new Hamiltonian(new SoftplusMlp(params, "kin", d, 16), new SoftplusMlp(params, "pot", d, 16));
        SDVariable q = sd.placeHolder("q", DataType.DOUBLE, -1, d);
        SDVariable p = sd.placeHolder("p", DataType.DOUBLE, -1, d);
        return new Graph(sd, ham, new PhaseState(q, p),
                Map.of("q", TestSupport.gaussian(1, B, d, 1.5), "p", TestSupport.gaussian(2, B, d, 1.5)));
    }

    private static INDArray eval(Graph g, SDVariable v, String name) {
        v.rename(name);
        return g.sd().output(g.feeds(), name).get(name);
    }

    @Test
    void so2MatchesThePapersClosedForm() {
        Graph g = graph(2, false, null);
        LinearGenerator paper = new LinearGenerator("paper", new double[][] {{0, -1}, {1, 0}});
        INDArray paperBracket = eval(g, PoissonBracket.withHamiltonian(g.sd(), new GeneratorSet(List.of(paper)), g.ham(), g.state()), "paper");
        INDArray so2 = eval(g, PoissonBracket.withHamiltonian(g.sd(), new SpecialOrthogonal(2), g.ham(), g.state()), "so2");
        INDArray gk = eval(g, g.ham().kinetic().gradient(g.sd(), g.state().p()), "gk");
        INDArray gu = eval(g, g.ham().potential().gradient(g.sd(), g.state().q()), "gu");
        INDArray q = g.feeds().get("q");
        INDArray p = g.feeds().get("p");
        for (int b = 0; b < B; b++) {
            double closed = (p.getDouble(b, 1) * gk.getDouble(b, 0) - p.getDouble(b, 0) * gk.getDouble(b, 1))
                    + (q.getDouble(b, 1) * gu.getDouble(b, 0) - q.getDouble(b, 0) * gu.getDouble(b, 1));
            assertEquals(closed, paperBracket.getDouble(b, 0), 1e-12);
            // so(2)'s basis element is E_12 − E_21, the negative of the paper's generator.
            assertEquals(-closed, so2.getDouble(b, 0), 1e-12);
        }
        assertTrue(paperBracket.norm2Number().doubleValue() > 1e-3, "generic energies are not invariant");
    }

    @Test
    void vectorisedSoNMatchesGeneratorByGenerator() {
        for (int[] subset : new int[][] {{0, 1, 2, 3}, {3, 1, 4}}) {
            Graph g = graph(5, false, null);
            SpecialOrthogonal so = new SpecialOrthogonal(5, subset);
            INDArray fast = eval(g, PoissonBracket.withHamiltonian(g.sd(), so, g.ham(), g.state()), "fast");
            INDArray slow = eval(g, PoissonBracket.withHamiltonian(g.sd(), new GeneratorSet(so.generators()), g.ham(), g.state()), "slow");
            assertEquals(subset.length * (subset.length - 1) / 2, fast.columns());
            assertTrue(fast.sub(slow).amaxNumber().doubleValue() < 1e-12, "vectorised so(k) differs from the per-generator sum");
            // The sum of squares equals ½‖P − Pᵀ‖²_F over the subset: a second, independent identity.
            assertTrue(fast.norm2Number().doubleValue() > 1e-3);
        }
    }

    @Test
    void radialEnergiesCommuteWithRotations() {
        Graph all = graph(3, true, List.of(new int[] {0, 1, 2}));
        INDArray b = eval(all, PoissonBracket.withHamiltonian(all.sd(), new SpecialOrthogonal(3), all.ham(), all.state()), "b");
        assertTrue(b.amaxNumber().doubleValue() < 1e-12, "radial so(3) bracket " + b.amaxNumber());

        Graph part = graph(3, true, List.of(new int[] {0, 2}));
        Symmetry so2 = new SpecialOrthogonal(3, new int[] {0, 2});
        INDArray b2 = eval(part, PoissonBracket.withHamiltonian(part.sd(), so2, part.ham(), part.state()), "b2");
        assertTrue(b2.amaxNumber().doubleValue() < 1e-12, "radial so(2) on a subset: bracket " + b2.amaxNumber());
        // but the rotations of the other pair are not a symmetry of that energy
        INDArray other = eval(part, PoissonBracket.withHamiltonian(part.sd(), new SpecialOrthogonal(3, new int[] {0, 1}),
                part.ham(), part.state()), "other");
        assertTrue(other.amaxNumber().doubleValue() > 1e-4);
    }

    @Test
    void standardNormalIsInvariantUnderRotationsOnly() {
        double[] worst = BaseInvariance.maxBracket(new SpecialOrthogonal(4), new StandardNormal());
        for (double w : worst) {
            assertTrue(w < 1e-12, "{g, log π} = " + w);
        }
        LinearGenerator shear = new LinearGenerator("shear", new double[][] {{0, 1}, {0, 0}});
        assertTrue(BaseInvariance.maxBracket(new GeneratorSet(List.of(shear)), new StandardNormal())[0] > 1e-2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EquivariantHamiltonianFlow.create(
                FlowConfig.builder(2).hidden(8).symmetry("linear:shear:0,1;0,0").build()));
        assertTrue(e.getMessage().contains("antisymmetric"), e.getMessage());
        assertTrue(BaseInvariance.maxBracket(new SpecialOrthogonal(2), new SoftUniform(4, 8))[0] > 1e-2);
        assertThrows(IllegalArgumentException.class, () -> EquivariantHamiltonianFlow.create(
                FlowConfig.builder(2).hidden(8).base("soft-uniform:4,8").symmetry("so2").build()));
    }
}
