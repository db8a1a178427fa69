package org.eqflow.dl4j;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.samediff.SameDiffOutputLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.eqflow.core.graph.Quiet;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The runtime layer of {@link EquivariantDensityLayer}: DL4J's SameDiff output layer, which builds SameDiff's
 * gradient function quietly (SameDiff prints a line per op to standard output when it builds one), and which
 * checks its input and labels before the graph runs, so that a wrong shape is named in a message that says
 * what to do instead of a native op's failure.
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

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        checkInput();
        return super.activate(training, workspaceMgr);
    }

    @Override
    public double computeScore(double fullNetRegTerm, boolean training, LayerWorkspaceMgr workspaceMgr) {
        checkInput();
        checkLabels();
        return super.computeScore(fullNetRegTerm, training, workspaceMgr);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        checkInput();
        checkLabels();
        return super.backpropGradient(epsilon, workspaceMgr);
    }

    private int dimension() {
        return ((EquivariantDensityLayer) layerConf()).getDimension();
    }

    private void checkInput() {
        int d = dimension();
        if (input == null) {
            return;  // DL4J's own check names a missing input
        }
        if (input.rank() != 2 || input.columns() != d) {
            throw new IllegalArgumentException("the density layer (layer " + getIndex() + ") takes points of shape [batch, " + d
                    + "], got " + java.util.Arrays.toString(input.shape()) + (input.rank() == 2
                    ? ": set nIn(" + input.columns() + ") to the number of features, or build the network with "
                    + "InputType.feedForward(" + input.columns() + ")"
                    : ": flatten the features into rows first (the layer is a density on R^d, not a sequence or image layer)"));
        }
    }

    private void checkLabels() {
        int d = dimension();
        if (labels == null || labels.rank() != 2 || labels.columns() != 3L * d) {
            throw new IllegalArgumentException("the density layer's labels must be FlowNoise's 3·d = " + (3 * d)
                    + " columns (encoder noise and the penalty's base samples), got "
                    + (labels == null ? "none" : java.util.Arrays.toString(labels.shape()))
                    + ": add new FlowNoise(layer, seed) as the data iterator's pre-processor");
        }
        if (input != null && labels.rows() != input.rows()) {
            throw new IllegalArgumentException("the density layer got " + input.rows() + " points but " + labels.rows()
                    + " label rows: FlowNoise must run on the same batch (set it as the iterator's pre-processor)");
        }
    }
}
