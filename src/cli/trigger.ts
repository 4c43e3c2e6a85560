/**
 * `checkout-gateway trigger <event type>`: makes the event happen on the account with a fresh
 * test session, the way the merchant and the customer would (GraphQL; the hosted page's form).
 */
import { EVENT_TYPES } from '../domain/events/event.js';
import { CliError, request, type GatewayOptions } from './gateway-client.js';

const TRIGGERABLE = EVENT_TYPES;

interface Session {
  name: string;
  state: string;
  formattedAmount: string;
  url: string;
}

const SESSION_FIELDS = 'name state formattedAmount url';
/** The sandbox processor's card that always succeeds. */
const SUCCEEDING_CARD = '4242 4242 4242 4242';

async function createSession(gateway: GatewayOptions, out: (line: string) => void): Promise<Session> {
  const data = await request<{ createCheckoutSession: Session }>(
    gateway,
    `mutation($input: CreateCheckoutSessionInput!) { createCheckoutSession(input: $input) { ${SESSION_FIELDS} } }`,
    {
      input: {
        amount: '2000',
        currency: 'GBP',
        clientReferenceId: `cli_trigger_${Date.now()}`,
        metadata: { source: 'checkout-gateway trigger' },
      },
    },
  );
  const session = data.createCheckoutSession;
  out(
    `Created checkout session ${session.name} (${session.formattedAmount}, ${session.state}) → checkout_session.created`,
  );
  return session;
}

/** The session's page on the gateway we talk to (the session's own URL names PUBLIC_URL, which may be elsewhere). */
function pageUrl(gateway: GatewayOptions, session: Session): URL {
  const own = new URL(session.url);
  return new URL(`${own.pathname}${own.search}`, gateway.url);
}

/** Pays as a browser does: the page for the CSRF cookie and token, then the form, from the page's origin. */
async function payOnHostedPage(gateway: GatewayOptions, session: Session): Promise<number> {
  const page = pageUrl(gateway, session);
  const shown = await fetch(page, { redirect: 'manual' });
  const html = await shown.text();
  if (shown.status !== 200) throw new CliError(`The payment page answered ${shown.status}.`);
  const token = /name="csrf_token" value="([^"]+)"/.exec(html)?.[1];
  const cookie = shown.headers
    .getSetCookie()
    .map((header) => header.split(';')[0]!)
    .join('; ');
  if (!token || !cookie) throw new CliError('The payment page carried no CSRF token.');
  const expiry = new Date();
  const form = new URLSearchParams({
    card_number: SUCCEEDING_CARD,
    expiry: `${String(expiry.getUTCMonth() + 1).padStart(2, '0')}/${String((expiry.getUTCFullYear() + 3) % 100).padStart(2, '0')}`,
    security_code: '123',
    name_on_card: 'Test Customer',
    csrf_token: token,
  });
  const paid = await fetch(page, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, origin: page.origin, referer: page.href },
    body: form.toString(),
  });
  await paid.arrayBuffer();
  return paid.status;
}

export async function trigger(gateway: GatewayOptions, type: string, out: (line: string) => void): Promise<void> {
  if (!(TRIGGERABLE as readonly string[]).includes(type)) {
    throw new CliError(`Cannot trigger "${type}"; use one of ${TRIGGERABLE.join(', ')}.`);
  }
  const session = await createSession(gateway, out);
  if (type === 'checkout_session.paid') {
    const status = await payOnHostedPage(gateway, session);
    const { checkoutSession } = await request<{
      checkoutSession: Session & { paymentIntent: { cardBrand: string | null; cardLast4: string | null } };
    }>(
      gateway,
      `query($name: String!) { checkoutSession(name: $name) { ${SESSION_FIELDS} paymentIntent { cardBrand cardLast4 } } }`,
      { name: session.name },
    );
    if (checkoutSession.state !== 'COMPLETE')
      throw new CliError(`Paying on the hosted page answered ${status}; the session is ${checkoutSession.state}.`);
    const card = checkoutSession.paymentIntent;
    out(
      `Paid it on the hosted page with ${card.cardBrand ?? 'a card'} ending ${card.cardLast4 ?? '4242'} (${status}) → checkout_session.paid`,
    );
  } else if (type === 'checkout_session.expired') {
    const { expireCheckoutSession } = await request<{ expireCheckoutSession: Session }>(
      gateway,
      `mutation($name: String!) { expireCheckoutSession(name: $name) { ${SESSION_FIELDS} } }`,
      { name: session.name },
    );
    out(`Expired it (${expireCheckoutSession.state}) → checkout_session.expired`);
  }
}
