/**
 * Typed errors. Every failure a user can fix is one of these kinds; the CLI's single
 * top-level handler maps the kind to an exit code (sysexits.h numbering), so scripts can
 * tell bad input from a network outage without parsing messages.
 */

export type ErrorKind = "usage" | "input" | "not_found" | "integrity" | "network" | "cant_create" | "config" | "temporary";

export const EXIT_CODES: Readonly<Record<ErrorKind | "internal", number>> = {
  usage: 64,
  input: 65,
  integrity: 65,
  not_found: 66,
  network: 69,
  internal: 70,
  cant_create: 73,
  temporary: 75,
  config: 78,
};

export class MedrubricError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class UsageError extends MedrubricError {
  constructor(message: string, options?: ErrorOptions) {
    super("usage", message, options);
  }
}

/** Where in an input a problem sits; `field` is a dotted path such as `rubrics.3.points`. */
export interface InputLocation {
  file?: string;
  line?: number;
  field?: string;
}

/** Bad input data. The message reads `FILE:LINE: field.path: problem`. */
export class InputError extends MedrubricError {
  readonly location: InputLocation;
  readonly problem: string;

  constructor(location: InputLocation, problem: string, options?: ErrorOptions) {
    super("input", formatLocated(location, problem), options);
    this.location = location;
    this.problem = problem;
  }
}

export class NotFoundError extends MedrubricError {
  constructor(message: string, options?: ErrorOptions) {
    super("not_found", message, options);
  }
}

/** Downloaded or stored data that does not match its published checksum or size. */
export class IntegrityError extends MedrubricError {
  constructor(message: string, options?: ErrorOptions) {
    super("integrity", message, options);
  }
}

export class NetworkError extends MedrubricError {
  constructor(message: string, options?: ErrorOptions) {
    super("network", message, options);
  }
}

/** A run that finished but should be tried again (e.g. too many judge failures; a rerun retries only those). */
export class TemporaryError extends MedrubricError {
  constructor(message: string, options?: ErrorOptions) {
    super("temporary", message, options);
  }
}

/** An output that cannot be written where it was asked for: a folder, a FIFO, a device, a symbolic link. */
export class OutputError extends MedrubricError {
  constructor(message: string, options?: ErrorOptions) {
    super("cant_create", message, options);
  }
}

export class ConfigError extends MedrubricError {
  constructor(message: string, options?: ErrorOptions) {
    super("config", message, options);
  }
}

export function formatLocated(location: InputLocation, problem: string): string {
  const where = [location.file, location.line].filter((part) => part !== undefined).join(":");
  return [where, location.field, problem].filter((part) => part !== undefined && part !== "").join(": ");
}

export function exitCodeOf(error: unknown): number {
  return error instanceof MedrubricError ? EXIT_CODES[error.kind] : EXIT_CODES.internal;
}

/** An error's message with its cause's code or message, e.g. `fetch failed: ECONNRESET`. */
export function describeError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return [(error as Error).message, cause?.code ?? cause?.message].filter(Boolean).join(": ");
}
