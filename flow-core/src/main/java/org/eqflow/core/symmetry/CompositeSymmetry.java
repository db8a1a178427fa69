package org.eqflow.core.symmetry;

import java.util.ArrayList;
import java.util.List;
import org.eqflow.core.flow.PhaseState;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/** Several symmetries side by side (e.g. so(2) on (q0,q1) and so(2) on (q2,q3)); brackets concatenated. */
public final class CompositeSymmetry implements Symmetry {
    private final List<Symmetry> parts;
    private final List<Generator> generators;

    /** The union of the generators of {@code parts}, all on the same dimension. */
    public CompositeSymmetry(List<Symmetry> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("a composite symmetry needs at least one part");
        }
        int d = parts.get(0).dimension();
        List<Generator> gens = new ArrayList<>();
        for (Symmetry s : parts) {
            if (s.dimension() != d) {
                throw new IllegalArgumentException("symmetries act on different dimensions: " + d + " and " + s.dimension());
            }
            gens.addAll(s.generators());
        }
        this.parts = List.copyOf(parts);
        this.generators = List.copyOf(gens);
    }

    /** The symmetries joined, in order. */
    public List<Symmetry> parts() {
        return parts;
    }

    @Override
    public int dimension() {
        return parts.get(0).dimension();
    }

    @Override
    public List<Generator> generators() {
        return generators;
    }

    @Override
    public SDVariable brackets(SameDiff sd, PhaseState s, PhaseState gradF) {
        if (parts.size() == 1) {
            return parts.get(0).brackets(sd, s, gradF);
        }
        SDVariable[] cols = new SDVariable[parts.size()];
        for (int i = 0; i < cols.length; i++) {
            cols[i] = parts.get(i).brackets(sd, s, gradF);
        }
        return sd.concat(1, cols);
    }

    @Override
    public List<int[]> invariantSubsets() {
        List<int[]> subsets = new ArrayList<>();
        for (Symmetry s : parts) {
            subsets.addAll(s.invariantSubsets());
        }
        return subsets;
    }
}
