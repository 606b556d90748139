import pino, { type Logger } from 'pino';
import { redactedConfig, type Config } from './index';

/**
 * Structured logs. Secrets are redacted by path as a second line of defence: the code never
 * logs key codes, tokens or emails on purpose.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'kamiflow' },
      // pino's redaction serialises past toJSON, so a logged config is redacted here too.
      serializers: { config: (value: unknown) => (isConfig(value) ? redactedConfig(value) : value) },
      redact: {
        paths: ['code', 'codes', 'keys[*].code', '*.code', 'orderToken', 'token', 'email', '*.email', 'req.headers.authorization', 'req.headers["x-order-token"]'],
        censor: '[redacted]',
      },
    },
    // Written asynchronously by default: a line per request and per order step, written with a
    // blocking write each, cost the API and the worker a tenth of their CPU in a sale. pino flushes
    // what is buffered when the process exits.
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

export type { Logger };

function isConfig(value: unknown): value is Config {
  return typeof value === 'object' && value !== null && 'apiKeys' in value && 'keyEncryptionKey' in value;
}
