/** Loading users' classes named in configurations and model files: type-checked before initialisation. */
package org.eqflow.core.plugin;
