// Rate-limited host logging: guest misbehaviour must not flood the host log.
export interface LogSink {
  log(msg: string): void;
}

export class RateLimitedLog {
  private windowStart = 0;
  private count = 0;
  private suppressed = 0;

  /** At most `burst` lines per `windowMs`; the rest are counted and reported once. */
  constructor(
    private readonly burst: number,
    private readonly windowMs: number,
  ) {}

  log(sink: LogSink, make: () => string): void {
    const now = performance.now();
    if (now - this.windowStart >= this.windowMs) {
      if (this.suppressed > 0) sink.log(`(${this.suppressed} similar messages suppressed)`);
      this.windowStart = now;
      this.count = 0;
      this.suppressed = 0;
    }
    if (this.count < this.burst) {
      this.count++;
      sink.log(make());
    } else {
      this.suppressed++;
    }
  }
}
