/**
 * Configuration. Note: importing this index loads zod (via ./load); code on the
 * `carbond status` fast path imports ./locations and ./types directly instead.
 */
export * from './types';
export { loadConfig, type LoadConfigInput } from './load';
export { maskSecrets, maskedConfig, maskIssue, configError, isSecretKey, MASK } from './mask';
export { resolveLocations, processLocationInput, configFileOf, modeOf, type LocationInput, type ResolvedLocations } from './locations';
