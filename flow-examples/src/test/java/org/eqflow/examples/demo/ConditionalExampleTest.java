package org.eqflow.examples.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Conditional anomaly detection at the quick size: p(x | c) separates points given another context (ROC AUC), p(x) cannot
 * (its AUC stays near one half: it sees the same x), and the probe point (2, 0) is normal at c = 0 and anomalous at c = 0.9.
 */
class ConditionalExampleTest {
    @TempDir
    Path out;

    @Test
    void theContextDecidesTheVerdict() throws Exception {
        String md = ConditionalExample.run(new DemoContext(out, DemoSize.QUICK, 1, s -> { }));
        Matcher m = Pattern.compile("ROC AUC ([0-9.]+)\\*\\*; p\\(x\\): \\d+/\\d+ flagged, ROC AUC ([0-9.]+)").matcher(md);
        assertTrue(m.find(), md);
        double conditional = Double.parseDouble(m.group(1));
        double marginal = Double.parseDouble(m.group(2));
        assertTrue(conditional >= 0.9, "p(x | c) ROC AUC " + conditional + "\n" + md);
        assertEquals(0.5, marginal, 0.1, "p(x) cannot see the context\n" + md);
        assertTrue(md.matches("(?s).*\\| 0\\.9 \\| 2\\.9 \\| [-0-9.]+ \\| \\*\\*anomalous\\*\\* \\|.*"), md);
        assertTrue(md.matches("(?s).*\\| 0\\.0 \\| 2\\.0 \\| [-0-9.]+ \\| normal \\|.*"), md);
        assertTrue(Files.exists(out.resolve("conditional-anomaly.png")));
    }

    @Test
    void anotherContextIsFarEnoughAndInRange() {
        SplittableRandom rng = new SplittableRandom(3);
        for (int i = 0; i < 10_000; i++) {
            double c = -1 + 2 * rng.nextDouble();
            double o = ConditionalExample.otherContext(c, rng);
            assertTrue(o >= -1 && o <= 1 && Math.abs(o - c) >= ConditionalExample.SHIFT - 1e-12, c + " -> " + o);
        }
    }
}
