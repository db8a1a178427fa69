package org.eqflow.examples.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.eqflow.core.io.LoadOptions;
import org.eqflow.core.io.ModelFile;
import org.eqflow.core.model.TrainableModel;
import picocli.CommandLine.Option;

/** {@code --allow-class}: which classes a model file may construct (none by default: a model file is data). */
final class AllowClassOption {
    @Option(names = "--allow-class", paramLabel = "PREFIX",
            description = "let the model file construct the symmetry class of this name or package (class: specs; "
                    + "only for files you trust); repeatable")
    List<String> prefixes = new ArrayList<>();

    LoadOptions options() {
        return new LoadOptions(prefixes);
    }

    /** Loads a model file of any family (Hamiltonian, residual or coupling). */
    TrainableModel load(Path model) throws java.io.IOException {
        return ModelFile.loadModel(model, options());
    }
}
