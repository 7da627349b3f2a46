/**
 * Blending a provider forecast into the local one (DESIGN §3 step 3):
 *
 * 1. the provider forecast is corrected by its recent observed error — measured minus
 *    forecast over the last `biasHours` intervals measured since it was issued — fading
 *    with lead time: `F'(lead) = F(lead) + e · exp(−lead / biasTau)`;
 * 2. where the provider covers, `y = w · F' + (1 − w) · L` (the provider is usually better at
 *    short leads: DACF's 7–9 % MAPE against ~15–20 % for the seasonal model); `w` is
 *    `providerWeight`, or per lead after the issue the weight learnt from the provider's past
 *    issues when the caller has them (`provider-skill.ts`);
 * 3. past the provider's horizon, `y = L + d · exp(−(lead − horizon) / extensionTau)`, with
 *    `d` the blend's deviation from `L` at the end of the horizon, so the weather the
 *    provider saw carries on for a while instead of jumping back to the profile.
 *
 * Worked example (w = 0.7, biasTau = 12 h): provider 300, local 260, observed error −20 g
 * (the provider ran high), lead 6 h: F' = 300 − 20·e^(−0.5) = 287.9; y = 0.7·287.9 + 0.3·260 = 279.5.
 */
import { MS_PER_HOUR } from '../../src/core';
import { resample, type Grid, type HistoryInput } from './grid';
import { issuedAtOf } from './provider-skill';

export interface BlendParams {
  /** Weight of the (corrected) provider forecast where it covers. */
  readonly providerWeight: number;
  /** Hours of provider-vs-measured error averaged for the correction. */
  readonly biasHours: number;
  /** e-folding time of the correction, hours. */
  readonly biasTauHours: number;
  /** e-folding time of the provider's deviation carried past its horizon, hours. */
  readonly extensionTauHours: number;
  /** Days of past issues the per-lead weights are learnt from (with an archive; see `provider-skill.ts`). */
  readonly providerSkillDays: number;
  /** Comparisons a lead needs before its learnt weight replaces `providerWeight`. */
  readonly providerSkillMinSamples: number;
  /** Longest lead (after the issue) with a learnt weight, hours. */
  readonly providerSkillLeadHours: number;
}

export const DEFAULT_BLEND_PARAMS: BlendParams = Object.freeze({
  providerWeight: 0.7,
  biasHours: 1,
  biasTauHours: 12,
  extensionTauHours: 48,
  providerSkillDays: 14,
  providerSkillMinSamples: 5,
  providerSkillLeadHours: 72,
});

/** Mean of measured − forecast over the last `steps` grid intervals where both are known (0 if none). */
function observedError(grid: Grid, providerPast: Float64Array, steps: number): number {
  const n = grid.values.length;
  let sum = 0;
  let count = 0;
  for (let k = providerPast.length - 1; k >= 0 && count < steps; k--) {
    const measured = grid.values[n - providerPast.length + k] as number;
    const forecast = providerPast[k] as number;
    if (!Number.isNaN(measured) && !Number.isNaN(forecast)) {
      sum += measured - forecast;
      count++;
    }
  }
  return count > 0 ? sum / count : 0;
}

/**
 * Blends `provider` into the local forecast `local` (grid intervals from `grid.endMs`), in place.
 * Provider points that start before `grid.endMs` only serve to measure its error. `weights`
 * (per interval after the provider's issue time, see `learnProviderWeights`) replace
 * `providerWeight` where they reach.
 * @returns the number of leading intervals the provider covered (0 when it covered none).
 */
export function blendProvider(local: Float64Array, grid: Grid, provider: HistoryInput, p: BlendParams, weights?: Float64Array): number {
  const stepMs = grid.stepMs;
  const stepH = stepMs / MS_PER_HOUR;
  const pastSteps = Math.min(grid.values.length, Math.max(1, Math.round(48 / stepH)));
  const past = resample(provider, grid.endMs - pastSteps * stepMs, stepMs, pastSteps);
  const ahead = resample(provider, grid.endMs, stepMs, local.length);
  const error = observedError(grid, past, Math.max(1, Math.round(p.biasHours / stepH)));
  const issuedAtMs = weights ? issuedAtOf(provider) : undefined;
  let covered = 0;
  let lastDeviation = 0;
  for (let j = 0; j < local.length; j++) {
    const f = ahead[j] as number;
    const leadH = (j + 1) * stepH;
    if (!Number.isNaN(f)) {
      const corrected = Math.max(0, f + error * Math.exp(-leadH / p.biasTauHours));
      let w = p.providerWeight;
      if (weights && issuedAtMs !== undefined) {
        const h = Math.round((grid.endMs + (j + 1) * stepMs - issuedAtMs) / stepMs) - 1;
        if (h >= 0 && h < weights.length) w = weights[h] as number;
      }
      const y = w * corrected + (1 - w) * (local[j] as number);
      lastDeviation = y - (local[j] as number);
      local[j] = y;
      covered = j + 1;
    } else if (covered > 0) {
      local[j] = Math.max(0, (local[j] as number) + lastDeviation * Math.exp(-(j + 1 - covered) * stepH / p.extensionTauHours));
    }
  }
  return covered;
}
