/**
 * A per-provider request budget: at most `requestsPerHour` requests in any rolling hour.
 * Keeps carbond polite (WattTime allows 100 logins per 5 min; UK asks for no hammering).
 */
const HOUR_MS = 3_600_000;

export class RequestBudget {
  private readonly sentAtMs: number[] = [];

  /** @param requestsPerHour  maximum requests in any rolling 60-minute window (≥ 1). */
  constructor(private readonly requestsPerHour: number) {}

  /**
   * Takes one request slot at `nowMs`. Returns 0 when granted, else how many ms until one frees.
   * @example budget of 2/h, requests at 0 and 10 min → a third at 20 min waits 40 min (2_400_000 ms).
   */
  take(nowMs: number): number {
    while (this.sentAtMs.length > 0 && (this.sentAtMs[0] as number) <= nowMs - HOUR_MS) this.sentAtMs.shift();
    if (this.sentAtMs.length >= this.requestsPerHour) {
      return (this.sentAtMs[0] as number) + HOUR_MS - nowMs;
    }
    this.sentAtMs.push(nowMs);
    return 0;
  }
}
