/**
 * A circuit breaker for one upstream (Nygard, "Release It!"): after
 * `failureThreshold` consecutive failed calls it opens and refuses at once for
 * `openMs`; then it lets one trial call through (half-open): success closes it,
 * failure opens it again. `now` is injectable for tests.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | undefined;
  private trialInFlight = false;

  constructor(
    private readonly options: { failureThreshold?: number; openMs?: number } = {},
    private readonly now: () => number = Date.now,
  ) {}

  get state(): 'closed' | 'open' | 'half-open' {
    if (this.openedAt === undefined) return 'closed';
    return this.now() - this.openedAt >= this.openMs ? 'half-open' : 'open';
  }

  /** ms until a trial call is let through (0 when closed or half-open). */
  get retryAfterMs(): number {
    return this.openedAt === undefined ? 0 : Math.max(0, this.openedAt + this.openMs - this.now());
  }

  /** May a call go out now? In half-open state only one trial at a time. */
  admit(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  success(): void {
    this.failures = 0;
    this.openedAt = undefined;
    this.trialInFlight = false;
  }

  failure(): void {
    this.trialInFlight = false;
    this.failures++;
    if (this.openedAt !== undefined || this.failures >= (this.options.failureThreshold ?? 5)) this.openedAt = this.now();
  }

  private get openMs(): number {
    return this.options.openMs ?? 30_000;
  }
}
