/**
 * Units and their names (DESIGN §1): durations `…Ms`, energy `…KWh`, power `…W`,
 * intensity `…GPerKWh`, emissions `…G`. Conversions between them live here.
 */
import { InputError } from './errors';

export const MS_PER_SECOND = 1_000;
export const MS_PER_MINUTE = 60_000;
export const MS_PER_HOUR = 3_600_000;
export const MS_PER_DAY = 86_400_000;

/**
 * Energy of a constant power over a duration.
 * @example energyKWhOf(300, MS_PER_HOUR) === 0.3  // 300 W for one hour
 */
export function energyKWhOf(powerW: number, durationMs: number): number {
  return (powerW * durationMs) / MS_PER_HOUR / 1_000;
}

/**
 * Emissions of an energy at an intensity.
 * @example emissionsGOf(0.3, 200) === 60  // 0.3 kWh at 200 g/kWh
 */
export function emissionsGOf(energyKWh: number, gPerKWh: number): number {
  return energyKWh * gPerKWh;
}

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: MS_PER_SECOND,
  m: MS_PER_MINUTE,
  min: MS_PER_MINUTE,
  h: MS_PER_HOUR,
  d: MS_PER_DAY,
};

/**
 * Parses a human duration: `90s`, `5m`, `6h`, `1h30m`, `2d`, or a plain number of ms.
 * Returns undefined for anything else (callers report the field by name).
 * @example parseDurationMs('1h30m') === 5_400_000
 */
export function parseDurationMs(text: string): number | undefined {
  const s = text.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  const re = /(\d+(?:\.\d+)?)(ms|min|s|m|h|d)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * (DURATION_UNITS[m[2] as string] as number);
    consumed = re.lastIndex;
  }
  return consumed === s.length && consumed > 0 ? total : undefined;
}

/** Like `parseDurationMs` but throws an `InputError` naming `field`. */
export function requireDurationMs(field: string, text: string): number {
  const ms = parseDurationMs(text);
  if (ms === undefined || ms < 0) throw new InputError([{ path: field, message: 'not a duration like 90s, 5m, 6h or 1h30m', value: text }]);
  return ms;
}

/** Renders a duration for people: `1h 30m`, `45s`, `2d 3h`. */
export function formatDurationMs(ms: number): string {
  if (ms < MS_PER_SECOND) return `${Math.round(ms)}ms`;
  if (ms < MS_PER_MINUTE) return `${Math.round(ms / MS_PER_SECOND)}s`;
  const d = Math.floor(ms / MS_PER_DAY);
  const h = Math.floor((ms % MS_PER_DAY) / MS_PER_HOUR);
  const m = Math.round((ms % MS_PER_HOUR) / MS_PER_MINUTE);
  return [d ? `${d}d` : '', h ? `${h}h` : '', m ? `${m}m` : ''].filter(Boolean).join(' ') || '0m';
}

/** Renders grams for people: `812 g`, `1.94 kg`, `3.2 t`. */
export function formatGrams(g: number): string {
  const a = Math.abs(g);
  if (a >= 1e6) return `${(g / 1e6).toFixed(2)} t`;
  if (a >= 1e3) return `${(g / 1e3).toFixed(2)} kg`;
  return `${g.toFixed(0)} g`;
}

/** Parses an ISO-8601 time with an explicit zone (Z or ±hh:mm) to epoch ms; undefined otherwise. */
export function parseIsoMs(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}
