/**
 * The demo: the paper's experiments (Fig. 2A and 2B), what the paper does not show, and a DL4J anomaly
 * detection pipeline, each writing PNG plots (XChart), the CSV behind them and a section of summary.md.
 */
package org.eqflow.examples.demo;
