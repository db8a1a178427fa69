/**
 * Plumbing shared by every graph builder: where trainable variables come from (created by the model,
 * or handed out by DL4J) and how they are initialised, so that one builder defines the graph everywhere.
 */
package org.eqflow.core.graph;
