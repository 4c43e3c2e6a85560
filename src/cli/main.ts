/** The `checkout-gateway` command line: `listen` and `trigger`, for developing against a gateway. */
import { parseArgs } from 'node:util';
import { EVENT_TYPES } from '../domain/events/event.js';
import { CliError, type GatewayOptions } from './gateway-client.js';
import { listen } from './listen.js';
import { trigger } from './trigger.js';

const USAGE = `Usage:
  checkout-gateway listen --forward-to <url> [--events <type,…>] [--secret whsec_…] [--api-key sk_…] [--url <gateway>]
  checkout-gateway trigger <${EVENT_TYPES.join('|')}> [--api-key sk_…] [--url <gateway>]

  --api-key   the account's API key (default: the CHECKOUT_API_KEY environment variable)
  --url       the gateway (default: http://localhost:4000)`;

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

/** `checkout_session.paid` or `CHECKOUT_SESSION_PAID` → the EventType enum name. */
function eventTypeName(text: string): string {
  const wanted = text.trim();
  const type = EVENT_TYPES.find((t) => t === wanted || t.replace('.', '_').toUpperCase() === wanted);
  if (!type) throw new CliError(`--events: "${text}" is not an event type; use ${EVENT_TYPES.join(', ')}.`);
  return type.replace('.', '_').toUpperCase();
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'api-key': { type: 'string' },
      url: { type: 'string', default: 'http://localhost:4000' },
      'forward-to': { type: 'string' },
      events: { type: 'string' },
      secret: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    out(USAGE);
    return values.help ? 0 : 2;
  }
  const apiKey = values['api-key'] ?? process.env.CHECKOUT_API_KEY;
  if (!apiKey) throw new CliError('No API key: pass --api-key or set CHECKOUT_API_KEY.');
  const gateway: GatewayOptions = { url: values.url!, apiKey };
  try {
    new URL(gateway.url);
  } catch {
    throw new CliError(`--url must be an absolute URL, not ${gateway.url}`);
  }

  if (command === 'listen') {
    if (!values['forward-to'])
      throw new CliError('listen needs --forward-to <url>, e.g. http://localhost:3000/webhooks');
    const types = values.events
      ? [
          ...new Set(
            values.events
              .split(',')
              .filter((t) => t.trim())
              .map(eventTypeName),
          ),
        ]
      : [];
    const stop = new AbortController();
    process.once('SIGINT', () => stop.abort());
    process.once('SIGTERM', () => stop.abort());
    return listen({ gateway, forwardTo: values['forward-to'], types, secret: values.secret, out, err }, stop.signal);
  }
  if (command === 'trigger') {
    if (rest.length !== 1) throw new CliError(`trigger needs one event type: ${EVENT_TYPES.join(', ')}`);
    await trigger(gateway, rest[0]!, out);
    return 0;
  }
  throw new CliError(`Unknown command "${command}".\n${USAGE}`);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof CliError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))
      err(`Error: ${(error as Error).message}`);
    else if (error instanceof TypeError && /fetch failed/.test(error.message))
      err(`Error: cannot reach the gateway (${String((error.cause as Error | undefined)?.message ?? error.message)})`);
    else err(`Error: ${(error as Error).stack ?? String(error)}`);
    process.exit(1);
  },
);
