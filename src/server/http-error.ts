/** An error the reward app answers with its status, headers and `{"error": message}`. */
export class HttpError extends Error {
  constructor(
    readonly status: 400 | 401 | 405 | 413 | 415 | 429 | 503,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}
