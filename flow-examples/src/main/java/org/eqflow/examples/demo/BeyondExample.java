package org.eqflow.examples.demo;

import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.FlowConfig;
import org.eqflow.core.Noise;
import org.eqflow.core.eval.TransportedIwae;
import org.eqflow.core.target.Target;
import org.eqflow.core.target.Targets;
import org.eqflow.core.train.FiniteData;
import org.eqflow.core.train.TargetData;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What the paper does not show: hard (radial) against soft against no constraint on the same target; a 3-D
 * so(3) example; and data efficiency, test NLL against the number of training points with and without the
 * constraint.
 */
final class BeyondExample {
    private BeyondExample() {
    }

    static String run(DemoContext ctx) throws IOException {
        StringBuilder md = new StringBuilder("## Beyond the paper\n\n");
        Target ring = Targets.parse("ring");
        INDArray test = DemoContext.rows(ring.sample(ctx.size.evalPoints(), Noise.stream(ctx.seed, 5, Noise.Purpose.DATA)));
        double h = ring.entropy().nats();

        md.append("### Hard, soft or no constraint (ring, infinite data)\n\n")
                .append("| constraint | test NLL − entropy | invariance error | C (so(2) bracket²) |\n|---|---|---|---|\n");
        for (FlowConfig.Constraint c : FlowConfig.Constraint.values()) {
            ctx.step("beyond: " + c.name().toLowerCase(Locale.ROOT) + " constraint");
            EquivariantHamiltonianFlow m = EquivariantHamiltonianFlow.create(DemoContext.constrained(ctx.config(2).symmetry("so2"), c).build());
            DemoContext.Curve curve = ctx.train(m, new TargetData(ring, ctx.seed), test, test);
            double nll = -curve.test()[curve.test().length - 1];
            double inv = TransportedIwae.invarianceError(m, m.parts().symmetry().orElseThrow(), head(test, 200), 8,
                    ctx.size.evalSamples(), ctx.seed);
            md.append(String.format(Locale.ROOT, "| %s | %.3f | %.2e | %.2e |%n", c.name().toLowerCase(Locale.ROOT), nll - h, inv,
                    m.constraintViolations(1024, ctx.seed)[0]));
        }

        ctx.step("beyond: so(3) shell");
        Target shell = Targets.parse("shell:3,2,0.2");
        INDArray test3 = DemoContext.rows(shell.sample(ctx.size.evalPoints(), Noise.stream(ctx.seed, 6, Noise.Purpose.DATA)));
        md.append(String.format(Locale.ROOT, "%n### so(3): a radial shell in 3-D (`shell:3,2,0.2`, entropy %.3f)%n%n", shell.entropy().nats()))
                .append("| constraint | test NLL − entropy | invariance error |\n|---|---|---|\n");
        for (FlowConfig.Constraint c : new FlowConfig.Constraint[] {FlowConfig.Constraint.SOFT, FlowConfig.Constraint.NONE}) {
            EquivariantHamiltonianFlow m = EquivariantHamiltonianFlow.create(DemoContext.constrained(ctx.config(3).symmetry("so3"), c).build());
            DemoContext.Curve curve = ctx.train(m, new TargetData(shell, ctx.seed), test3, test3);
            double inv = TransportedIwae.invarianceError(m, m.parts().symmetry().orElseThrow(), head(test3, 200), 8,
                    ctx.size.evalSamples(), ctx.seed);
            md.append(String.format(Locale.ROOT, "| %s | %.3f | %.2e |%n", c.name().toLowerCase(Locale.ROOT),
                    -curve.test()[curve.test().length - 1] - shell.entropy().nats(), inv));
        }

        int[] sizes = ctx.size == DemoSize.FULL ? new int[] {100, 300, 1000, 10_000}
                : ctx.size == DemoSize.TINY ? new int[] {50} : new int[] {100, 300, 1000};
        md.append("\n### Data efficiency (ring): test NLL − entropy by training-set size\n\n| training points | soft so(2) | no constraint |\n|---|---|---|\n");
        Map<String, double[][]> series = Plots.series();
        double[][] soft = new double[2][sizes.length];
        double[][] none = new double[2][sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            double[][] train = ring.sample(sizes[i], Noise.stream(ctx.seed, 100 + i, Noise.Purpose.DATA));
            double[] gaps = new double[2];
            int k = 0;
            for (FlowConfig.Constraint c : new FlowConfig.Constraint[] {FlowConfig.Constraint.SOFT, FlowConfig.Constraint.NONE}) {
                ctx.step("beyond: " + sizes[i] + " points, " + c.name().toLowerCase(Locale.ROOT));
                EquivariantHamiltonianFlow m = EquivariantHamiltonianFlow.create(DemoContext.constrained(ctx.config(2).symmetry("so2"), c).build());
                DemoContext.Curve curve = ctx.train(m, new FiniteData(train, ctx.seed), DemoContext.rows(train), test);
                gaps[k++] = -curve.test()[curve.test().length - 1] - h;
            }
            soft[0][i] = sizes[i];
            soft[1][i] = gaps[0];
            none[0][i] = sizes[i];
            none[1][i] = gaps[1];
            md.append(String.format(Locale.ROOT, "| %d | %.3f | %.3f |%n", sizes[i], gaps[0], gaps[1]));
        }
        series.put("soft so(2)", soft);
        series.put("no constraint", none);
        Plots.lines(ctx.out, "beyond-data-efficiency", "data efficiency (ring)", "training points", "test NLL − entropy (nats)", series);
        md.append("\n![data efficiency](beyond-data-efficiency.png)\n\n");
        return md.toString();
    }

    private static INDArray head(INDArray x, int n) {
        return x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, Math.min(n, x.rows())), org.nd4j.linalg.indexing.NDArrayIndex.all());
    }
}
