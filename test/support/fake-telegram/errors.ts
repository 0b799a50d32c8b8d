/** An error the fake answers with, in the Bot API envelope and with the matching HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
    readonly parameters?: Record<string, unknown>,
  ) {
    super(`${code}: ${description}`);
    this.name = 'ApiError';
  }
}

export const badRequest = (what: string): ApiError => new ApiError(400, `Bad Request: ${what}`);
export const forbidden = (what: string): ApiError => new ApiError(403, `Forbidden: ${what}`);

export const tooManyRequests = (retryAfter: number): ApiError =>
  new ApiError(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter });

/** The wording the public server uses, so code matching on descriptions is exercised for real. */
export const DESCRIPTIONS = {
  notModified:
    'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
  queryTooOld: 'query is too old and response timeout expired or query ID is invalid',
  webhookConflict:
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
  pollConflict:
    'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
} as const;

export function defaultDescription(status: number, retryAfter?: number): string {
  switch (status) {
    case 400:
      return 'Bad Request';
    case 401:
      return 'Unauthorized';
    case 403:
      return 'Forbidden';
    case 404:
      return 'Not Found';
    case 409:
      return 'Conflict';
    case 413:
      return 'Request Entity Too Large';
    case 429:
      return `Too Many Requests: retry after ${retryAfter ?? 1}`;
    case 500:
      return 'Internal Server Error';
    case 502:
      return 'Bad Gateway';
    case 503:
      return 'Service Unavailable';
    case 504:
      return 'Gateway Timeout';
    default:
      return `Error ${status}`;
  }
}

/**
 * Ends a waiting getUpdates without a Bot API answer: 'outage' when the fake goes down (the
 * server then answers like the outage says), 'closed' on close()/reset() (answered with []).
 */
export class Interrupt extends Error {
  constructor(readonly reason: 'outage' | 'closed') {
    super(`fake-telegram: long poll interrupted (${reason})`);
    this.name = 'Interrupt';
  }
}
