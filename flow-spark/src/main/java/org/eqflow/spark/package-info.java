/**
 * eqflow on Apache Spark: synchronous data-parallel training ({@link org.eqflow.spark.SparkTrainer}, equal to
 * single-process training on the same batches), distributed scoring ({@link org.eqflow.spark.SparkScoring}) and sampling
 * ({@link org.eqflow.spark.SparkSampling}) with the model broadcast once per executor
 * ({@link org.eqflow.spark.ModelBroadcast}, through flow-core's checked loader), and the {@code eqflow-spark} command line
 * ({@link org.eqflow.spark.EqflowSpark}). Depends on flow-core only; Spark is the cluster's.
 */
package org.eqflow.spark;
