/**
 * The Leap-Frog transform and flows chained from it: pure, weight-free builders that emit volume
 * preserving, exactly invertible maps of phase space into a SameDiff graph.
 */
package org.eqflow.core.flow;
