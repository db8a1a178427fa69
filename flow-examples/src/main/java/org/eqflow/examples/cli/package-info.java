/**
 * The {@code eqflow} command line (picocli): train, logprob, sample and eval, with one-line errors and
 * data on standard output, logs on standard error.
 */
package org.eqflow.examples.cli;
