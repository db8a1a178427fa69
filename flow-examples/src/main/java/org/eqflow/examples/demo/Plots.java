package org.eqflow.examples.demo;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.eqflow.core.io.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** PNG charts (XChart), each written with the CSV of the numbers behind it. */
public final class Plots {
    private static final int WIDTH = 640;
    private static final int HEIGHT = 480;

    private Plots() {
    }

    /** Lines: one series per entry, {x[], y[]}. Writes NAME.png and NAME.csv (series,x,y). */
    static void lines(Path dir, String name, String title, String xTitle, String yTitle, Map<String, double[][]> series)
            throws IOException {
        lines(dir, name, title, xTitle, yTitle, series, false);
    }

    /** Lines, with both axes logarithmic when {@code logLog}. */
    public static void lines(Path dir, String name, String title, String xTitle, String yTitle, Map<String, double[][]> series,
                             boolean logLog) throws IOException {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        chart.getStyler().setXAxisLogarithmic(logLog);
        chart.getStyler().setYAxisLogarithmic(logLog);
        chart.getStyler().setLegendPosition(logLog ? Styler.LegendPosition.OutsideS : Styler.LegendPosition.InsideSE);
        chart.getStyler().setMarkerSize(4);
        chart.getStyler().setXAxisDecimalPattern("#,##0.##");
        for (Map.Entry<String, double[][]> e : series.entrySet()) {
            chart.addSeries(e.getKey(), e.getValue()[0], e.getValue()[1]);
        }
        save(chart, dir, name);
        writeCsv(dir, name, seriesCsv("series,x,y", series));
    }

    /** Lines with error bars: one series per entry, {x[], y[], error[]}. Writes NAME.png and NAME.csv (series,x,y,error). */
    static void linesWithErrors(Path dir, String name, String title, String xTitle, String yTitle, Map<String, double[][]> series)
            throws IOException {
        linesWithErrors(dir, name, title, xTitle, yTitle, series, true);
    }

    /** {@link #linesWithErrors(Path, String, String, String, String, Map)} on a logarithmic or a linear x axis. */
    static void linesWithErrors(Path dir, String name, String title, String xTitle, String yTitle, Map<String, double[][]> series,
                                boolean logX) throws IOException {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        chart.getStyler().setXAxisLogarithmic(logX);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
        chart.getStyler().setMarkerSize(5);
        StringBuilder csv = new StringBuilder("series,x,y,error\n");
        for (Map.Entry<String, double[][]> e : series.entrySet()) {
            double[][] v = e.getValue();
            chart.addSeries(e.getKey(), v[0], v[1], v[2]);
            for (int i = 0; i < v[0].length; i++) {
                csv.append(e.getKey()).append(',').append(v[0][i]).append(',').append(v[1][i]).append(',').append(v[2][i]).append('\n');
            }
        }
        save(chart, dir, name);
        writeCsv(dir, name, csv);
    }

    /** Points: one scatter series per entry. */
    static void scatter(Path dir, String name, String title, Map<String, double[][]> series) throws IOException {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle("x0").yAxisTitle("x1").build();
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setMarkerSize(3);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        for (Map.Entry<String, double[][]> e : series.entrySet()) {
            chart.addSeries(e.getKey(), e.getValue()[0], e.getValue()[1]);
        }
        save(chart, dir, name);
        writeCsv(dir, name, seriesCsv("series,x0,x1", series));
    }

    private static StringBuilder seriesCsv(String header, Map<String, double[][]> series) {
        StringBuilder csv = new StringBuilder(header).append('\n');
        for (Map.Entry<String, double[][]> e : series.entrySet()) {
            for (int i = 0; i < e.getValue()[0].length; i++) {
                csv.append(e.getKey()).append(',').append(e.getValue()[0][i]).append(',').append(e.getValue()[1][i]).append('\n');
            }
        }
        return csv;
    }

    /** Polylines, one per trajectory, all in one colour; their end points marked. Rows: [trajectory][step] = {x, y}. */
    static void trajectories(Path dir, String name, String title, double[][][] paths) throws IOException {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle("q0").yAxisTitle("q1").build();
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setMarkerSize(3);
        StringBuilder csv = new StringBuilder("trajectory,step,q0,q1\n");
        for (int t = 0; t < paths.length; t++) {
            for (int s = 0; s < paths[t].length; s++) {
                csv.append(t).append(',').append(s).append(',').append(paths[t][s][0]).append(',').append(paths[t][s][1]).append('\n');
            }
        }
        addPaths(chart, paths, new Color(70, 110, 200, 120), "end");
        save(chart, dir, name);
        writeCsv(dir, name, csv);
    }

    /**
     * Contour lines of values on a square grid ({@code value[i][j]} at {@code (axis[i], axis[j])}, i along x), at
     * {@code levels} heights spaced evenly from the minimum to the 80th percentile (so a potential's basins are resolved
     * rather than its steep walls), dark for low and light for high, labelled in the legend; with {@code paths}
     * (null for none: rows [path][step] = {x, y}) drawn over them in red, their end points marked.
     */
    public static void contours(Path dir, String name, String title, String xTitle, String yTitle, double[] axis, double[][] value,
                                int levels, double[][][] paths) throws IOException {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        chart.getStyler().setPlotGridLinesVisible(false);
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideE);
        chart.getStyler().setMarkerSize(4);
        chart.getStyler().setXAxisMin(axis[0]);
        chart.getStyler().setXAxisMax(axis[axis.length - 1]);
        chart.getStyler().setYAxisMin(axis[0]);
        chart.getStyler().setYAxisMax(axis[axis.length - 1]);
        double[] finite = java.util.Arrays.stream(value).flatMapToDouble(java.util.Arrays::stream).filter(Double::isFinite).sorted()
                .toArray();
        StringBuilder csv = new StringBuilder("x,y,value\n");
        for (int i = 0; i < axis.length; i++) {
            for (int j = 0; j < axis.length; j++) {
                csv.append(axis[i]).append(',').append(axis[j]).append(',').append(value[i][j]).append('\n');
            }
        }
        if (finite.length > 0) {
            double lo = finite[0];
            double hi = finite[(int) (0.8 * (finite.length - 1))];
            for (int k = 0; k < levels; k++) {
                double level = lo + (hi - lo) * (k + 0.5) / levels;
                List<Double> xs = new ArrayList<>();
                List<Double> ys = new ArrayList<>();
                for (double[] seg : isolines(axis, value, level)) {
                    xs.add(seg[0]);
                    ys.add(seg[1]);
                    xs.add(seg[2]);
                    ys.add(seg[3]);
                    xs.add(seg[2]);
                    ys.add(null);  // a gap: XChart breaks the line at a missing value
                }
                if (xs.isEmpty()) {
                    continue;
                }
                XYSeries series = chart.addSeries(String.format(Locale.ROOT, "%.3g", level), xs, ys);
                series.setMarker(SeriesMarkers.NONE);
                float f = levels == 1 ? 0f : (float) k / (levels - 1);
                series.setLineColor(new Color(Math.round(20 + 210 * f), Math.round(40 + 80 * f), Math.round(120 - 90 * f)));
            }
        }
        if (paths != null) {
            addPaths(chart, paths, new Color(200, 40, 40, 90), "flow ends");
        }
        save(chart, dir, name);
        writeCsv(dir, name, csv);
    }

    /** One polyline per path ([path][step] = {x, y}), out of the legend, and the end points as red dots under {@code endsLabel}. */
    private static void addPaths(XYChart chart, double[][][] paths, Color line, String endsLabel) {
        double[] ex = new double[paths.length];
        double[] ey = new double[paths.length];
        for (int t = 0; t < paths.length; t++) {
            double[] x = new double[paths[t].length];
            double[] y = new double[paths[t].length];
            for (int st = 0; st < paths[t].length; st++) {
                x[st] = paths[t][st][0];
                y[st] = paths[t][st][1];
            }
            XYSeries series = chart.addSeries("path " + t, x, y);
            series.setMarker(SeriesMarkers.NONE);
            series.setLineColor(line);
            series.setShowInLegend(false);
            ex[t] = x[x.length - 1];
            ey[t] = y[y.length - 1];
        }
        XYSeries ends = chart.addSeries(endsLabel, ex, ey);
        ends.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        ends.setMarker(SeriesMarkers.CIRCLE);
        ends.setMarkerColor(new Color(200, 40, 40));
    }

    /**
     * The segments {@code {x1, y1, x2, y2}} where the piecewise-linear interpolation of {@code value} on the grid crosses
     * {@code level} (marching squares; a saddle cell is resolved by its centre's mean).
     */
    static List<double[]> isolines(double[] axis, double[][] value, double level) {
        List<double[]> out = new ArrayList<>();
        for (int i = 0; i + 1 < axis.length; i++) {
            for (int j = 0; j + 1 < axis.length; j++) {
                double a = value[i][j];  // (x_i, y_j)
                double b = value[i + 1][j];  // (x_{i+1}, y_j)
                double c = value[i + 1][j + 1];
                double d = value[i][j + 1];
                if (!(Double.isFinite(a) && Double.isFinite(b) && Double.isFinite(c) && Double.isFinite(d))) {
                    continue;
                }
                double x0 = axis[i];
                double x1 = axis[i + 1];
                double y0 = axis[j];
                double y1 = axis[j + 1];
                // crossings on the four edges, in the order bottom, right, top, left
                List<double[]> cross = new ArrayList<>();
                if ((a > level) != (b > level)) {
                    cross.add(new double[] {x0 + (level - a) / (b - a) * (x1 - x0), y0});
                }
                if ((b > level) != (c > level)) {
                    cross.add(new double[] {x1, y0 + (level - b) / (c - b) * (y1 - y0)});
                }
                if ((d > level) != (c > level)) {
                    cross.add(new double[] {x0 + (level - d) / (c - d) * (x1 - x0), y1});
                }
                if ((a > level) != (d > level)) {
                    cross.add(new double[] {x0, y0 + (level - a) / (d - a) * (y1 - y0)});
                }
                if (cross.size() == 2) {
                    out.add(new double[] {cross.get(0)[0], cross.get(0)[1], cross.get(1)[0], cross.get(1)[1]});
                } else if (cross.size() == 4) {
                    // a saddle: a and c on one side, b and d on the other; the centre decides which pairs join
                    boolean centreAbove = (a + b + c + d) / 4 > level;
                    boolean aAbove = a > level;
                    if (centreAbove == aAbove) {  // a connects through the centre to c: cut off b's and d's corners
                        out.add(seg(cross.get(0), cross.get(1)));
                        out.add(seg(cross.get(2), cross.get(3)));
                    } else {  // cut off a's and c's corners
                        out.add(seg(cross.get(3), cross.get(0)));
                        out.add(seg(cross.get(1), cross.get(2)));
                    }
                }
            }
        }
        return out;
    }

    private static double[] seg(double[] p, double[] q) {
        return new double[] {p[0], p[1], q[0], q[1]};
    }

    /** A heat map of values on a square grid: value[i][j] at (axis[i], axis[j]), i along x. */
    static void heatMap(Path dir, String name, String title, double[] axis, double[][] value) throws IOException {
        heatMap(dir, name, title, null, axis, null, axis, value);
    }

    /** A heat map of values on a grid: value[i][j] at (x[i], y[j]), with axis titles (or null). */
    static void heatMap(Path dir, String name, String title, String xTitle, double[] x, String yTitle, double[] y, double[][] value)
            throws IOException {
        heatMap(dir, name, title, xTitle, x, yTitle, y, value, Double.NaN, Double.NaN);
    }

    /**
     * As {@link #heatMap(Path, String, String, String, double[], String, double[], double[][])}, on the colour scale
     * {@code [min, max]} (NaN: the values' own range), so that two maps side by side share one scale.
     */
    public static void heatMap(Path dir, String name, String title, String xTitle, double[] x, String yTitle, double[] y,
                               double[][] value, double min, double max) throws IOException {
        HeatMapChartBuilder builder = new HeatMapChartBuilder().width(WIDTH).height(HEIGHT).title(title);
        if (xTitle != null) {
            builder.xAxisTitle(xTitle);
        }
        if (yTitle != null) {
            builder.yAxisTitle(yTitle);
        }
        HeatMapChart chart = builder.build();
        List<String> xLabels = tickLabels(x);
        List<String> yLabels = tickLabels(y);
        List<Number[]> cells = new ArrayList<>();
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        StringBuilder csv = new StringBuilder("x,y,value\n");
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < y.length; j++) {
                double v = value[i][j];
                cells.add(new Number[] {i, j, v});
                if (Double.isFinite(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
                csv.append(x[i]).append(',').append(y[j]).append(',').append(v).append('\n');
            }
        }
        if (!Double.isNaN(min)) {
            lo = min;
        }
        if (!Double.isNaN(max)) {
            hi = max;
        }
        chart.getStyler().setShowValue(false);
        chart.getStyler().setLegendVisible(true);
        // XChart's gradient legend prints min and max as raw doubles: give it three significant digits.
        chart.getStyler().setMin(lo == 0 || !Double.isFinite(lo) ? lo : new java.math.BigDecimal(lo)
                .round(new java.math.MathContext(3, java.math.RoundingMode.FLOOR)).doubleValue());
        chart.getStyler().setMax(hi == 0 || !Double.isFinite(hi) ? hi : new java.math.BigDecimal(hi)
                .round(new java.math.MathContext(3, java.math.RoundingMode.CEILING)).doubleValue());
        // No outline around each cell, and no anti-aliased seams between neighbouring cells.
        chart.getStyler().setDrawBorder(false);
        chart.getStyler().setAntiAlias(false);
        chart.getStyler().setRangeColors(new Color[] {new Color(20, 20, 80), new Color(40, 120, 200), new Color(120, 220, 140),
            new Color(250, 240, 80)});
        chart.getStyler().setPlotGridLinesVisible(false);
        chart.addSeries(title, xLabels, yLabels, cells);
        save(chart, dir, name);
        writeCsv(dir, name, csv);
    }

    /** Category labels of a heat map's axis: about six printed ticks, unique blanks between them. */
    private static List<String> tickLabels(double[] axis) {
        List<String> labels = new ArrayList<>();
        int every = Math.max(1, axis.length / 6);
        for (int i = 0; i < axis.length; i++) {
            // "%.1f" of a small negative number is "-0.0": print it as 0.0
            labels.add(i % every == 0 ? String.format(Locale.ROOT, "%.1f", axis[i]).replace("-0.0", "0.0") : " ".repeat(i + 1));
        }
        return labels;
    }

    static Map<String, double[][]> series() {
        return new LinkedHashMap<>();
    }

    private static void save(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, Path dir, String name) throws IOException {
        AtomicFiles.write(dir.resolve(name + ".png"), os -> BitmapEncoder.saveBitmap(chart, os, BitmapEncoder.BitmapFormat.PNG));
    }

    private static void writeCsv(Path dir, String name, StringBuilder csv) throws IOException {
        AtomicFiles.write(dir.resolve(name + ".csv"), os -> os.write(csv.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
}
