/**
 * Training loops: data sources (a fixed set reshuffled per epoch, or fresh target draws), the trainer
 * with validation, early stopping and exact-resume checkpoints, and listeners that report progress.
 */
package org.eqflow.core.train;
