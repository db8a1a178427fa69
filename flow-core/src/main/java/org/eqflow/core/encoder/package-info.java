/**
 * The variational encoder {@code h(p|q)} of the latent momentum, which turns the intractable marginal
 * {@code p(q)} into the ELBO and IWAE bounds.
 */
package org.eqflow.core.encoder;
