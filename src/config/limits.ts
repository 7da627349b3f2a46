/**
 * The largest values carbond accepts, shared by the configuration schema (./schema) and the
 * job submission checks (src/jobs/spec.ts), so a value that the config refuses is refused in
 * a job too. Each limit is far above any real use and far below what breaks: Node's timers
 * fire at once past 2^31−1 ms (24.8 days), a site with 10^12 GPUs breaks every plan, and an
 * infinite wattage turns every figure into Infinity or NaN. Light on purpose: no imports.
 */

/** Node's `setTimeout` fires at once (with a warning) for any delay above this, ms (≈ 24.8 days). */
export const MAX_TIMER_MS = 2_147_483_647;

/** Longest checkpoint timeout (config `checkpointTimeout`, a job's `checkpointTimeoutMs`): 24 h. */
export const MAX_CHECKPOINT_TIMEOUT_MS = 86_400_000;

/** Longest provider HTTP timeout (`[providers.x] timeout`): 10 min; a provider slower than that is down. */
export const MAX_PROVIDER_TIMEOUT_MS = 600_000;

/** Longest prior cost of one pause+resume (`pauseOverhead`): 24 h. */
export const MAX_PAUSE_OVERHEAD_MS = 86_400_000;
/** A site pair's configured move time (`sites.*.moveTime`): 24 h. */
export const MAX_MOVE_TIME_MS = 86_400_000;

/** Longest safety margin before a deadline (`safetyMargin`): 7 days. */
export const MAX_SAFETY_MARGIN_MS = 7 * 86_400_000;

/** Longest a zone's series may age before it is stale (`staleAfter`): 7 days. */
export const MAX_STALE_AFTER_MS = 7 * 86_400_000;

/** Most GPUs on one site, and so in one job: 4096. */
export const MAX_GPUS = 4_096;

/**
 * Most watts of one job (`powerW`) or of a site's idle or CPU draw: 1 MW. A 1,000-GPU job at
 * 700 W with its hosts draws about 1 MW; anything larger is a unit slip (kW or mW typed as W).
 */
export const MAX_POWER_W = 1_000_000;

/** Most watts of one busy GPU (`gpuPowerW`): 10 kW, about 8× the hungriest accelerator sold. */
export const MAX_GPU_POWER_W = 10_000;

/** Most verified checkpoints kept per job (`keepCheckpoints`). */
export const MAX_KEEP_CHECKPOINTS = 1_000;

/** Most requests per hour to one provider (`requestsPerHour`): 10 a second. */
export const MAX_REQUESTS_PER_HOUR = 36_000;

/** Most embodied emissions of one GPU (`gpuKgCO2e`), kg: 10 t (published figures are 100–200 kg). */
export const MAX_GPU_KG_CO2E = 10_000;

/** Longest GPU lifetime for amortising embodied emissions (`gpuLifetimeYears`). */
export const MAX_GPU_LIFETIME_YEARS = 50;

/** Most bytes of a Unix socket path: `sun_path` holds 108 bytes with the closing NUL. */
export const MAX_SOCKET_PATH_BYTES = 107;
