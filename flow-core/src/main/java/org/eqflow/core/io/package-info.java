/**
 * The model file: one zip with configuration, weights, optimiser and multiplier state and provenance,
 * checked (sizes, checksums, format version, shapes) before anything is deserialised, and saved atomically.
 */
package org.eqflow.core.io;
