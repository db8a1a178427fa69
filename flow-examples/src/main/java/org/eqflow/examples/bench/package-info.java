/**
 * JMH benchmarks of training, sampling and log-density throughput ({@code eqflow bench}), with the matrix
 * FLOP counts that turn times into a fraction of the machine's GEMM rate. Not part of the build or tests.
 */
package org.eqflow.examples.bench;
