package org.eqflow.examples.demo;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.FlowConfig;
import org.eqflow.core.Threads;
import org.eqflow.core.objective.Iwae;
import org.eqflow.core.target.Target;
import org.eqflow.core.target.Targets;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What it takes for Fig. 2B's learned potential to have one minimum per mode (docs/results.md, "Multimodal
 * density"): trains one model of the multimodal example on {@code grid:2,3,0.3} and prints its test log-likelihood
 * and the local minima of each Hamiltonian's U(q) on a 41×41 grid of [−3.5, 3.5]². Run by
 * {@code flow-examples/scripts/fig2b-minima.sh}.
 *
 * <p>Arguments: {@code KINETIC} ({@code mlp} or {@code quadratic}), {@code HAMILTONIANS} ({@code shared} or
 * {@code separate}), {@code ITERATIONS}, {@code SEED}, {@code BASE} (e.g. {@code soft-uniform:4,4} or {@code normal}).
 */
public final class PotentialMinimaStudy {
    private PotentialMinimaStudy() {
    }

    public static void main(String[] args) {
        if (args.length != 5) {
            System.err.println("usage: PotentialMinimaStudy mlp|quadratic shared|separate ITERATIONS SEED BASE");
            System.exit(2);
        }
        Threads.useSingleThread();
        boolean quadratic = args[0].equals("quadratic");
        boolean separate = args[1].equals("separate");
        int iterations = Integer.parseInt(args[2]);
        long seed = Long.parseLong(args[3]);
        String base = args[4];
        Target target = Targets.parse(MultimodalExample.TARGET);
        // the demo's model: hidden 32, 4 steps, Adam 3e-3, 128 points a step, the ELBO, data of order one (modes at ±1)
        FlowConfig.Builder b = FlowConfig.builder(2).hidden(32).leapfrogSteps(4).learningRate(3e-3).seed(seed)
                .separateHamiltonians(separate).trainingSamples(1).base(base).scale(1.5);
        if (quadratic) {
            b.kinetic(FlowConfig.Kinetic.QUADRATIC);
        }
        EquivariantHamiltonianFlow m = EquivariantHamiltonianFlow.create(b.build());
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = 0; i < iterations; i++) {
            m.trainStep(Nd4j.create(target.sample(128, rng)));
        }
        int n = 41;
        double[] axis = DemoContext.axis(3.5, n);
        INDArray q = m.toModelSpace(DemoContext.gridPoints(axis));
        StringBuilder minima = new StringBuilder();
        for (int h = 0; h < (separate ? 4 : 1); h++) {
            minima.append(h == 0 ? "" : ", ").append(MultimodalExample.localMinima(DemoContext.toGrid(m.potentialEnergy(q, h).toDoubleVector(), n)));
        }
        double logP = Arrays.stream(m.logDensity(Nd4j.create(target.sample(2000, new SplittableRandom(99))), 32, 1))
                .mapToDouble(Iwae.Estimate::logDensity).average().orElseThrow();
        System.out.printf(Locale.ROOT, "kinetic %s, %s Hamiltonians, %d iterations, seed %d, base %s: test log-likelihood %.3f "
                + "(entropy %.3f), local minima of U: %s%n", args[0], args[1], iterations, seed, base, logP, target.entropy().nats(), minima);
    }
}
