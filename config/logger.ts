import pino, { type Logger } from 'pino';

/**
 * Structured logs. Secrets are redacted by path as a second line of defence: the code never
 * logs key codes, tokens or emails on purpose.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'kamiflow' },
      redact: {
        paths: ['code', 'codes', 'keys[*].code', '*.code', 'orderToken', 'token', 'email', '*.email', 'req.headers.authorization', 'req.headers["x-order-token"]'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

export type { Logger };
