/**
 * Figures for people: mass in g / kg / t CO2e, energy in kWh / MWh, durations in hours,
 * three significant digits (never fewer than the integer part). The report model keeps
 * the exact rounded numbers (`figures.ts`); these only choose how they are printed.
 */
import { MS_PER_HOUR } from '../core/units';

/**
 * Rounds to `digits` significant digits, keeping every integer digit; `−` for negatives.
 * @example sig(652.319667) === '652'; sig(1.23456) === '1.23'; sig(12345.6) === '12,346'
 */
export function sig(n: number, digits = 3): string {
  const a = Math.abs(n);
  const decimals = a === 0 ? 0 : Math.max(0, digits - 1 - Math.floor(Math.log10(a)));
  const text = a.toLocaleString('en-GB', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
  return (n < 0 && Number(a.toFixed(decimals)) !== 0 ? '−' : '') + text;
}

/** A unit and the divisor that turns the base unit into it. */
export interface Scale { unit: string; divisor: number }

/** The mass unit for values up to `maxG` grams: g below 1 kg, kg below 1 t, else t. */
export function massScale(maxG: number): Scale {
  const a = Math.abs(maxG);
  if (a >= 1e6) return { unit: 't', divisor: 1e6 };
  if (a >= 1e3) return { unit: 'kg', divisor: 1e3 };
  return { unit: 'g', divisor: 1 };
}

/** The energy unit for values up to `maxKWh`: kWh below 1 MWh, else MWh (below 1 kWh: Wh). */
export function energyScale(maxKWh: number): Scale {
  const a = Math.abs(maxKWh);
  if (a >= 1000) return { unit: 'MWh', divisor: 1000 };
  if (a >= 1 || a === 0) return { unit: 'kWh', divisor: 1 };
  return { unit: 'Wh', divisor: 0.001 };
}

/** @example massText(652_319.667) === '652 kg CO2e'; massText(1_250_000) === '1.25 t CO2e' */
export function massText(g: number, scale = massScale(g)): string {
  return `${sig(g / scale.divisor)} ${scale.unit} CO2e`;
}

/** @example energyText(652.319667) === '652 kWh'; energyText(1250) === '1.25 MWh' */
export function energyText(kWh: number, scale = energyScale(kWh)): string {
  return `${sig(kWh / scale.divisor)} ${scale.unit}`;
}

/** Hours with one decimal (three significant digits past 100 h). @example hoursText(1_391_820_000) === '387 h' */
export function hoursText(ms: number): string {
  const h = ms / MS_PER_HOUR;
  return `${Math.abs(h) >= 100 ? sig(h) : (h < 0 ? '−' : '') + Math.abs(h).toFixed(1)} h`;
}

/** A percentage with one decimal, or `n/a`. @example pctText(31.247) === '31.2 %' */
export function pctText(pct: number | null): string {
  return pct === null ? 'n/a' : `${pct < 0 ? '−' : ''}${Math.abs(pct).toFixed(1)} %`;
}

/** A UTC instant as `2021-07-03 14:00 UTC`. */
export function timeText(iso: string | null): string {
  return iso === null ? '—' : `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** A UTC date as `2021-07-03`. */
export function dateText(iso: string | null): string {
  return iso === null ? '—' : iso.slice(0, 10);
}
