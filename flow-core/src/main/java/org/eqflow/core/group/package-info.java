/**
 * Symmetry groups as values: the finite groups Cₙ, Dₙ and particle permutations, and the compact groups
 * SO(2) and O(2), each as orthogonal matrices acting on the rows of a data set. The finite flows symmetrise
 * over a finite group's elements; the evaluator measures invariance over any group's elements.
 */
package org.eqflow.core.group;
