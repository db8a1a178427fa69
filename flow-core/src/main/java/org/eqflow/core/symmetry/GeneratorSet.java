package org.eqflow.core.symmetry;

import java.util.List;
import org.eqflow.core.flow.PhaseState;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/** Any list of generators, bracketed one by one: {@code O(G)} bracket evaluations. */
public final class GeneratorSet implements Symmetry {
    private final List<Generator> generators;

    public GeneratorSet(List<? extends Generator> generators) {
        if (generators.isEmpty()) {
            throw new IllegalArgumentException("a generator set needs at least one generator");
        }
        int d = generators.get(0).dimension();
        for (Generator g : generators) {
            if (g.dimension() != d) {
                throw new IllegalArgumentException("generator " + g.name() + " acts on dimension " + g.dimension()
                        + " but " + generators.get(0).name() + " on dimension " + d);
            }
        }
        this.generators = List.copyOf(generators);
    }

    @Override
    public int dimension() {
        return generators.get(0).dimension();
    }

    @Override
    public List<Generator> generators() {
        return generators;
    }

    @Override
    public SDVariable brackets(SameDiff sd, PhaseState s, PhaseState gradF) {
        SDVariable[] cols = new SDVariable[generators.size()];
        for (int k = 0; k < cols.length; k++) {
            cols[k] = sd.expandDims(PoissonBracket.of(sd, generators.get(k), s, gradF), 1);
        }
        return cols.length == 1 ? cols[0] : sd.concat(1, cols);
    }
}
