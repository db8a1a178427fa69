package org.eqflow.core.eval;

import java.util.Map;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Held-out evaluation of a model, in nats per point (data units). Standard errors are over points.
 * {@code gap} is the paired mean of {@code log p_true(x) − log p̂(x)}: it is at least the KL divergence to
 * the truth, so on held-out data it is never negative beyond {@code gap_stderr}. {@code equivariance_error} (Hamiltonian
 * flows with a linear symmetry) is the largest {@code |T(g·s) − g·T(s)|} of the flow's map over the invariance
 * error's points with unit-normal momenta and its random group elements, in the model's standardised units
 * ({@link FlowEquivariance}): round-off for the hard constraint. {@code factors} (a symmetry of two or more specs, or
 * {@code eval --factors}): the same per factor, with the leak into the other coordinates ({@link Disentanglement}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EvaluationReport(
        @JsonProperty("n") int n,
        @JsonProperty("samples") int samples,
        @JsonProperty("elbo") double elbo,
        @JsonProperty("elbo_stderr") double elboStderr,
        @JsonProperty("iwae") double iwae,
        @JsonProperty("iwae_stderr") double iwaeStderr,
        @JsonProperty("nll") double nll,
        @JsonProperty("nll_stderr") double nllStderr,
        @JsonProperty("iwae_mc_stderr") double iwaeMonteCarloStderr,
        @JsonProperty("target") String target,
        @JsonProperty("entropy") Double entropy,
        @JsonProperty("entropy_error_bound") Double entropyErrorBound,
        @JsonProperty("gap") Double gap,
        @JsonProperty("gap_stderr") Double gapStderr,
        @JsonProperty("invariance_error") Double invarianceError,
        @JsonProperty("invariance_group") String invarianceGroup,
        @JsonProperty("equivariance_error") Double equivarianceError,
        @JsonProperty("factors") Map<String, FactorReport> factors,
        @JsonProperty("exact") boolean exact,
        @JsonProperty("constraint") Map<String, Double> constraint,
        @JsonProperty("multipliers") Map<String, Double> multipliers) {

    /**
     * One factor of a direct-product symmetry ({@link Disentanglement}): the map's equivariance error under that
     * factor alone, and its leak — how far acting with the factor moves the flow's output on the other coordinates.
     */
    public record FactorReport(@JsonProperty("equivariance_error") double equivarianceError, @JsonProperty("leak") double leak) {
    }
}
