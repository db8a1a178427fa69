package org.eqflow.core;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.eqflow.core.objective.Iwae;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SmokeTest {
    @Test
    void trainsAndEvaluates() {
        FlowConfig c = FlowConfig.builder(2).hidden(16).symmetry("so2").float64().seed(1).build();
        EquivariantHamiltonianFlow m = EquivariantHamiltonianFlow.create(c);
        INDArray x = Nd4j.randn(32, 2).castTo(m.dataType());
        long t0 = System.nanoTime();
        TrainStep s = m.trainStep(x);
        System.err.println("first step " + (System.nanoTime() - t0) / 1e6 + " ms " + s);
        t0 = System.nanoTime();
        for (int i = 0; i < 10; i++) {
            s = m.trainStep(x);
        }
        System.err.println("10 steps " + (System.nanoTime() - t0) / 1e6 + " ms loss " + s.loss() + " C " + java.util.Arrays.toString(s.constraints()));
        Iwae.Estimate[] e = m.logDensity(x, 16, 3);
        System.err.println("iwae " + e[0]);
        INDArray samples = m.sample(10, 4);
        System.err.println(samples);
        assertTrue(Double.isFinite(e[0].logDensity()));
        System.err.println(m.graph().summary().substring(0, 2000));
    }
}
