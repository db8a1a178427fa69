package org.eqflow.examples.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.eqflow.core.EquivariantHamiltonianFlow;
import org.eqflow.core.io.ModelFile;
import org.eqflow.examples.io.CsvException;
import org.eqflow.examples.io.CsvPoints;

/** Shared steps of the commands that read a model and a CSV of points. */
final class ModelArgument {
    private ModelArgument() {
    }

    static EquivariantHamiltonianFlow load(Path model) throws IOException {
        return ModelFile.load(model);
    }

    /** Validates the whole file first (nothing is computed or written for a bad file) and checks the dimension. */
    static CsvPoints.Info validate(Path data, EquivariantHamiltonianFlow model) throws IOException {
        CsvPoints.Info info = CsvPoints.validate(data);
        if (info.dimension() != model.config().dimension()) {
            throw new CsvException(data + ": points have dimension " + info.dimension() + " but the model expects "
                    + model.config().dimension());
        }
        return info;
    }
}
