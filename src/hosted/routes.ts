import type { DomainDeps } from '../domain/deps.js';
import { DomainError } from '../domain/errors.js';
import {
  getHostedCheckout,
  payCheckoutSession,
  successRedirectUrl,
  type HostedCheckout,
  type PayResult,
} from '../domain/payments/pay.js';
import type { CardInput } from '../domain/payments/cards.js';
import { paymentsTotal } from '../observability/metrics.js';
import type { Logger } from '../observability/logger.js';
import {
  FIELDS,
  renderCheckoutPage,
  renderExpiredPage,
  renderMessagePage,
  renderPaidPage,
  type CheckoutView,
  type FieldKey,
  type FormState,
} from './pages.js';
import {
  CSRF_FIELD,
  csrfCookie,
  csrfTokenFor,
  csrfValid,
  originOf,
  readBodyWithin,
  securityHeaders,
} from './security.js';

export interface HostedPagesDeps {
  deps: DomainDeps;
  logger: Logger;
}

/** A form body larger than this is not our form. */
const MAX_FORM_BYTES = 8 * 1024;
const SESSION_PARAM = 's_checkout_session';

function html(
  status: number,
  body: string,
  extraHeaders: Record<string, string> = {},
  formTargets: string[] = [],
): Response {
  return new Response(body, { status, headers: { ...securityHeaders(formTargets), ...extraHeaders } });
}

function notFoundPage(): Response {
  return html(
    404,
    renderMessagePage(
      'Payment link not found',
      'This payment link is not valid. Check that you copied the whole link, or ask the seller for a new one.',
    ),
  );
}

function redirect(location: string): Response {
  return new Response(null, { status: 303, headers: { ...securityHeaders(), location } });
}

/** The customer-facing payment pages under /checkout; null for paths that are not theirs. */
export function createHostedPages(getDeps: () => HostedPagesDeps): (request: Request) => Promise<Response | null> {
  function viewOf(checkout: HostedCheckout): CheckoutView {
    return {
      session: checkout.session,
      merchantName: checkout.merchantName,
      testMode: getDeps().deps.paymentProcessor.testMode,
    };
  }

  /** True when the page is https, as the customer sees it: its cookie is then Secure and `__Host-`. */
  function isSecure(request: Request): boolean {
    return new URL(request.url).protocol === 'https:' || getDeps().deps.publicUrl.startsWith('https:');
  }

  /** The origins our own form posts from: the public URL's, and the one the request reached. */
  function ownOrigins(request: Request): string[] {
    return [originOf(getDeps().deps.publicUrl), new URL(request.url).origin].filter(
      (origin): origin is string => origin !== null,
    );
  }

  /** The OPEN page with the form, setting the CSRF cookie its hidden field matches. */
  function formPage(
    request: Request,
    status: number,
    checkout: HostedCheckout,
    state: Omit<FormState, 'csrfToken'>,
  ): Response {
    const secure = isSecure(request);
    const token = csrfTokenFor(request, secure);
    const successOrigin = originOf(checkout.session.successUrl);
    return html(
      status,
      renderCheckoutPage(viewOf(checkout), { ...state, csrfToken: token }),
      { 'set-cookie': csrfCookie(token, secure) },
      successOrigin ? [successOrigin] : [],
    );
  }

  /** The page for a session that cannot take a payment, or null while it is OPEN. */
  function closedPage(checkout: HostedCheckout, paidStatus: number): Response | null {
    const view = viewOf(checkout);
    if (checkout.session.state === 'COMPLETE')
      return html(paidStatus, renderPaidPage(view, successRedirectUrl(checkout.session)));
    if (checkout.session.state === 'EXPIRED') return html(410, renderExpiredPage(view));
    return null;
  }

  async function load(url: URL): Promise<HostedCheckout | undefined> {
    const sessionId = url.searchParams.get(SESSION_PARAM);
    if (!sessionId) return undefined;
    return getHostedCheckout(getDeps().deps.db, sessionId);
  }

  async function showCheckout(request: Request, url: URL): Promise<Response> {
    const checkout = await load(url);
    if (!checkout) return notFoundPage();
    return closedPage(checkout, 200) ?? formPage(request, 200, checkout, {});
  }

  async function showSuccess(url: URL): Promise<Response> {
    const checkout = await load(url);
    if (!checkout) return notFoundPage();
    if (checkout.session.state !== 'COMPLETE')
      return redirect(`/checkout?${SESSION_PARAM}=${encodeURIComponent(checkout.session.id)}`);
    return html(200, renderPaidPage(viewOf(checkout), null));
  }

  async function pay(request: Request, url: URL): Promise<Response> {
    const { logger } = getDeps();
    const checkout = await load(url);
    if (!checkout) return notFoundPage();
    // A paid or expired session answers the same to every submission, before anything else.
    const closed = closedPage(checkout, 409);
    if (closed) return closed;

    const contentType = request.headers.get('content-type') ?? '';
    if (!contentType.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      return html(415, renderMessagePage('Unsupported form', 'Send the payment form from the payment page.'));
    }
    // Counted while it arrives, so a chunked upload of any size costs at most the limit; the
    // connection is closed rather than drained of the rest.
    const body = await readBodyWithin(request, MAX_FORM_BYTES);
    if (!body)
      return html(413, renderMessagePage('Form too large', 'Send the payment form from the payment page.'), {
        connection: 'close',
      });
    const form = new URLSearchParams(body.toString('utf8'));
    const values = { expiry: form.get(FIELDS.expiry.name) ?? '', nameOnCard: form.get(FIELDS.nameOnCard.name) ?? '' };

    if (!csrfValid(request, form.get(CSRF_FIELD), isSecure(request), ownOrigins(request))) {
      // Most often an old tab or blocked cookies, rarely an attack: ask for the card again with a
      // fresh token, charging nothing.
      logger.warn('hosted checkout form rejected: CSRF token missing or mismatched', {
        checkoutSessionId: checkout.session.id,
      });
      return formPage(request, 403, checkout, {
        values,
        alert: 'For your security this form has to be sent again. Enter your card details and try once more.',
      });
    }

    const card: CardInput = {
      cardNumber: form.get(FIELDS.cardNumber.name),
      expiry: values.expiry,
      securityCode: form.get(FIELDS.securityCode.name),
      nameOnCard: values.nameOnCard,
    };
    let result: PayResult;
    try {
      result = await payCheckoutSession(getDeps().deps, checkout.session.id, card);
    } catch (error) {
      if (error instanceof DomainError && error.code === 'BAD_USER_INPUT') {
        const fieldErrors: Partial<Record<FieldKey, string>> = {};
        for (const issue of error.details.issues ?? []) {
          const key = issue.path[0] as FieldKey;
          if (key in FIELDS && !fieldErrors[key]) fieldErrors[key] = issue.message;
        }
        return formPage(request, 422, checkout, { values, fieldErrors });
      }
      if (error instanceof DomainError && error.code === 'NOT_FOUND') return notFoundPage();
      // Only the error goes to the log: the card never leaves this function.
      logger.error('hosted checkout payment failed', { checkoutSessionId: checkout.session.id, error });
      return failedPaymentPage(request, checkout, values);
    }

    const fields = { checkoutSessionId: result.session.id, accountId: result.session.accountId };
    switch (result.outcome) {
      case 'succeeded':
        logger.info('checkout session paid', fields);
        paymentsTotal.inc({ outcome: 'succeeded', decline_code: '' });
        return paidResponse({ ...checkout, session: result.session });
      case 'declined':
        logger.info('card declined', { ...fields, declineCode: result.declineCode });
        paymentsTotal.inc({ outcome: 'declined', decline_code: result.declineCode });
        return formPage(request, 402, { ...checkout, session: result.session }, { values, alert: result.message });
      case 'already_paid':
      case 'expired':
        return closedPage({ ...checkout, session: result.session }, 409)!;
    }
  }

  /**
   * After the payment committed: the customer is sent on to successUrl, and if no redirect can
   * be built from it (a URL stored before URLs were normalised, say), shown the hosted success
   * page. Nothing here may fall through to an error page: a customer who paid once was told
   * "you have not been charged" because the Location header could not be set.
   */
  function paidResponse(checkout: HostedCheckout): Response {
    const target = successRedirectUrl(checkout.session);
    if (target !== null) {
      try {
        return redirect(new URL(target).href);
      } catch (error) {
        getDeps().logger.warn('successUrl cannot be sent as a redirect; showing the hosted success page', {
          checkoutSessionId: checkout.session.id,
          error,
        });
      }
    }
    return redirect(`/checkout/success?${SESSION_PARAM}=${encodeURIComponent(checkout.session.id)}`);
  }

  /**
   * The payment failed with an unexpected error. Whether it committed is read back first: an
   * error can come after the commit (its answer lost with the connection), and a customer whose
   * session is paid must never read "you have not been charged".
   */
  async function failedPaymentPage(
    request: Request,
    checkout: HostedCheckout,
    values: FormState['values'],
  ): Promise<Response> {
    let now: HostedCheckout | undefined;
    try {
      now = await getHostedCheckout(getDeps().deps.db, checkout.session.id);
    } catch {
      return formPage(request, 503, checkout, {
        values,
        alert:
          'We could not confirm your payment just now. Reload this page in a minute to see whether it went through before you try again.',
      });
    }
    if (now?.session.state === 'COMPLETE') return paidResponse(now);
    if (now?.session.state === 'EXPIRED') return closedPage(now, 409)!;
    return formPage(request, 503, now ?? checkout, {
      values,
      alert: 'We could not take the payment just now, and you have not been charged. Please try again.',
    });
  }

  return async (request) => {
    const url = new URL(request.url);
    if (url.pathname !== '/checkout' && url.pathname !== '/checkout/success') {
      return url.pathname.startsWith('/checkout/') ? notFoundPage() : null;
    }
    const allowed = url.pathname === '/checkout' ? ['GET', 'HEAD', 'POST'] : ['GET', 'HEAD'];
    if (!allowed.includes(request.method)) {
      return html(405, renderMessagePage('Method not allowed', 'This page only answers to the payment form.'), {
        allow: allowed.join(', '),
      });
    }
    if (request.method === 'POST') return pay(request, url);
    return url.pathname === '/checkout' ? showCheckout(request, url) : showSuccess(url);
  };
}
