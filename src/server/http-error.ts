/** The reward app's errors: those it answers with a status, and a client that left. */

/** An error the reward app answers with its status, headers and `{"error": message}`. */
export class HttpError extends Error {
  constructor(
    readonly status: 400 | 401 | 405 | 413 | 415 | 429 | 502 | 503,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** The client closed its connection before its answer was sent; nobody is left to answer. */
export class ClientGoneError extends Error {
  constructor() {
    super("the client closed the connection");
  }
}
