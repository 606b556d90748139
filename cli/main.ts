import { parseArgs } from 'node:util';
import { importKeysCommand, UsageError } from './keysImport';

const USAGE = `Usage:
  kamiflow keys import --sku <sku> [--column <name>] [--batch <n>] <file | ->

  Imports key codes into a product: one code per line, or a CSV file whose column --column holds
  them. "-" reads standard input. Talks to the API at KAMIFLOW_URL (default http://127.0.0.1:3000)
  with the admin key in KAMIFLOW_API_KEY. Exits non-zero when the API refuses.`;

async function main(argv: string[]): Promise<number> {
  const [group, command, ...rest] = argv;
  if (group !== 'keys' || command !== 'import') {
    process.stderr.write(`${USAGE}\n`);
    return group === undefined || group === '--help' || group === '-h' ? 0 : 2;
  }
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      sku: { type: 'string' },
      column: { type: 'string' },
      batch: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  return importKeysCommand({
    sku: values.sku,
    column: values.column,
    batch: values.batch,
    source: positionals,
    env: process.env,
    out: process.stdout,
    err: process.stderr,
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`kamiflow: ${err instanceof UsageError ? `${err.message}\n\n${USAGE}` : err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = err instanceof UsageError ? 2 : 1;
  },
);
