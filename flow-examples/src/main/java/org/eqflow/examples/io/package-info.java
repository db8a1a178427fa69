/** Reading points from CSV files (DataVec), validated with file, line and column in every error. */
package org.eqflow.examples.io;
