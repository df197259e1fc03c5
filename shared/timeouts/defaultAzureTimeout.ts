/**
 * Default bound of one call to Azure (Table storage operation, AKS endpoint lookup, Entra ID token request,
 * each ARM attempt). Generous next to their usual sub-second latency, short next to a function's run time.
 */
export const defaultAzureTimeoutInMs = 30_000;
