import java.util.SplittableRandom;
import org.deeplearning4j.core.storage.StatsStorage;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.ui.api.UIServer;
import org.deeplearning4j.ui.model.stats.StatsListener;
import org.deeplearning4j.ui.model.storage.InMemoryStatsStorage;
import org.eqflow.core.Threads;
import org.eqflow.core.target.Targets;
import org.eqflow.dl4j.EquivariantDensityLayer;
import org.eqflow.dl4j.FlowNoise;
import org.eqflow.dl4j.MultiplierListener;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/** Trains the density layer with DL4J's StatsListener attached, serves DL4J's UI on port 9000 and waits (dl4j-ui-screenshot.sh). */
public class DensityUi {
    public static void main(String[] args) throws Exception {
        Threads.useSingleThread();
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().updater(new Adam(2e-3)).list()
                .layer(EquivariantDensityLayer.builder().name("density").nIn(2).symmetry("so2").seed(7).build()).build());
        net.init();
        UIServer ui = UIServer.getInstance();
        StatsStorage stats = new InMemoryStatsStorage();
        ui.attach(stats);
        net.setListeners(new MultiplierListener(), new StatsListener(stats));
        FlowNoise noise = new FlowNoise(net, 7);
        for (int i = 0; i < Integer.parseInt(args[0]); i++) {
            DataSet ds = new DataSet(Nd4j.create(Targets.parse("ring").sample(128, new SplittableRandom(i))).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT), null);
            noise.preProcess(ds);
            net.fit(ds);
        }
        System.out.println("UI ready: http://localhost:9000/train/overview");
        Thread.sleep(Long.parseLong(args[1]) * 1000);
        System.exit(0);
    }
}
