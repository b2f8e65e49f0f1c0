namespace PluginMesh.Plugins.Catalog.Kubernetes;

/// <summary>The <c>destinationRules</c> part of the <c>catalog.kubernetes</c> status.</summary>
/// <param name="Istio">The <c>istio</c> setting: <c>auto</c>, <c>true</c> or <c>false</c>.</param>
/// <param name="State">
/// <c>disabled</c> (<c>istio: false</c>), <c>unknown</c> (not asked yet), <c>watching</c>,
/// <c>not-served</c> (404: Istio not installed; asked again on every full list), <c>forbidden</c>
/// (403: the RBAC role lacks destinationrules), <c>failed</c> (another error; asked again on the
/// next full list). None of these is an error of the catalog.
/// </param>
/// <param name="ApiVersion"><c>networking.istio.io/v1</c> or <c>networking.istio.io/v1beta1</c> while watching, else null.</param>
/// <param name="Reason">Why the state is not <c>watching</c> (the API's answer), or null.</param>
/// <param name="Rules">DestinationRules known (skipped ones excluded).</param>
/// <param name="Services">Served services whose load-balancing policy comes from a DestinationRule.</param>
public sealed record DestinationRulesStatus(string Istio, string State, string? ApiVersion, string? Reason, int Rules, int Services);
