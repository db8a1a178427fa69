package org.eqflow.dl4j;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.layers.samediff.SameDiffOutputLayer;
import org.eqflow.core.graph.Quiet;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The runtime layer of {@link EquivariantDensityLayer}: DL4J's SameDiff output layer, which builds SameDiff's
 * gradient function quietly (SameDiff prints a line per op to standard output when it builds one).
 */
public final class DensityLayerImpl extends SameDiffOutputLayer {

    public DensityLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    protected void doInit() {
        super.doInit();
        sameDiff.setLossVariables(outputVar);
        Quiet.createGradFunction(sameDiff, INPUT_KEY);
    }
}
