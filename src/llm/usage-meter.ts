/** Token usage and cost across all requests of a client. */

export interface Pricing {
  /** Price per million prompt (input) tokens. */
  inputPerMillion: number;
  /** Price per million completion (output) tokens. */
  outputPerMillion: number;
}

export interface UsageSummary {
  requests: number;
  promptTokens: number;
  completionTokens: number;
  /** Requests that asked again: after a failed attempt (429, 5xx, timeout, dropped connection) or an unusable answer. */
  retries: number;
  /** Cost in the pricing's currency; undefined without pricing. */
  cost: number | undefined;
}

export class UsageMeter {
  private summary = { requests: 0, promptTokens: 0, completionTokens: 0, retries: 0 };

  constructor(private readonly pricing?: Pricing) {}

  record(promptTokens: number, completionTokens: number): void {
    this.summary.requests++;
    this.summary.promptTokens += promptTokens;
    this.summary.completionTokens += completionTokens;
  }

  retried(): void {
    this.summary.retries++;
  }

  snapshot(): UsageSummary {
    const { pricing } = this;
    const cost = pricing
      ? (this.summary.promptTokens * pricing.inputPerMillion + this.summary.completionTokens * pricing.outputPerMillion) / 1e6
      : undefined;
    return { ...this.summary, cost };
  }
}
