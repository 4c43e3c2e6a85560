import type { CheckoutSession } from '../domain/checkout-sessions/model.js';
import { formatAmount } from '../domain/money.js';
import { SCRIPT, STYLE } from './assets.js';

/** The HTML of the hosted pages. Every value from the database or the request goes through `escapeHtml`. */

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The form's fields: name in the POST body, element id, label, and the card-input key it feeds. */
export const FIELDS = {
  cardNumber: { name: 'card_number', id: 'card-number', label: 'Card number' },
  expiry: { name: 'expiry', id: 'expiry', label: 'Expiry date' },
  securityCode: { name: 'security_code', id: 'security-code', label: 'Security code' },
  nameOnCard: { name: 'name_on_card', id: 'name-on-card', label: 'Name on card' },
} as const;
export type FieldKey = keyof typeof FIELDS;

export interface CheckoutView {
  session: CheckoutSession;
  merchantName: string;
  testMode: boolean;
}

export interface FormState {
  csrfToken: string;
  /** Values shown again after an error. Never the card number or the security code. */
  values?: { expiry?: string; nameOnCard?: string };
  fieldErrors?: Partial<Record<FieldKey, string>>;
  /** A problem with the whole attempt: a decline, or a form that must be sent again. */
  alert?: string;
}

const expiryFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' });

function amountOf(session: CheckoutSession): string {
  return formatAmount(session.amount, session.currency);
}

function layout(title: string, body: string, withScript = false): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
${withScript ? `<script>${SCRIPT}</script>` : ''}
</body>
</html>
`;
}

function header(view: CheckoutView, headline: string, headlineClass = ''): string {
  return `<p class="merchant">${escapeHtml(view.merchantName)}</p>
<h1${headlineClass ? ` class="${headlineClass}"` : ''}>${headline}</h1>`;
}

function link(href: string | null, text: string): string {
  return href ? `<p class="links"><a href="${escapeHtml(href)}">${escapeHtml(text)}</a></p>` : '';
}

function testModeBadge(view: CheckoutView): string {
  return view.testMode ? '<p class="test-mode">Test mode: no real payment is taken</p>' : '';
}

function field(
  key: FieldKey,
  state: FormState,
  input: {
    type?: string;
    autocomplete: string;
    inputmode?: string;
    hint?: string;
    value?: string;
    maxlength: number;
    placeholder?: string;
  },
): string {
  const f = FIELDS[key];
  const error = state.fieldErrors?.[key];
  const describedBy = [input.hint ? `${f.id}-hint` : '', error ? `${f.id}-error` : ''].filter(Boolean).join(' ');
  const firstError = (Object.keys(FIELDS) as FieldKey[]).find((k) => state.fieldErrors?.[k]);
  return `<div class="field">
<label for="${f.id}">${f.label}</label>
${input.hint ? `<span class="hint" id="${f.id}-hint">${escapeHtml(input.hint)}</span>` : ''}<input id="${f.id}" name="${f.name}" type="${input.type ?? 'text'}" autocomplete="${input.autocomplete}"${input.inputmode ? ` inputmode="${input.inputmode}"` : ''} maxlength="${input.maxlength}"${input.placeholder ? ` placeholder="${escapeHtml(input.placeholder)}"` : ''} required spellcheck="false"${input.value ? ` value="${escapeHtml(input.value)}"` : ''}${describedBy ? ` aria-describedby="${describedBy}"` : ''}${error ? ' aria-invalid="true"' : ''}${firstError === key ? ' autofocus' : ''}>
${error ? `<p class="error" id="${f.id}-error">${escapeHtml(error)}</p>` : ''}
</div>`;
}

/** The OPEN page: amount, expiry and the card form, with any errors from the last attempt. */
export function renderCheckoutPage(view: CheckoutView, state: FormState): string {
  const { session } = view;
  const amount = amountOf(session);
  const errors = (Object.keys(FIELDS) as FieldKey[]).filter((key) => state.fieldErrors?.[key]);
  // One alert region, so a screen reader announces the problem as soon as the page loads;
  // each field also carries its own message through aria-describedby.
  let alert = '';
  if (errors.length > 0) {
    alert = `<div class="alert" role="alert" id="problems">
<p>${errors.length === 1 ? 'There is a problem' : `There are ${errors.length} problems`}</p>
<ul>${errors.map((key) => `<li><a href="#${FIELDS[key].id}">${escapeHtml(state.fieldErrors![key]!)}</a></li>`).join('')}</ul>
</div>`;
  } else if (state.alert) {
    alert = `<div class="alert" role="alert" id="problems"><p>${escapeHtml(state.alert)}</p></div>`;
  }
  const action = `/checkout?s_checkout_session=${encodeURIComponent(session.id)}`;
  const body = `<div class="panel">
${header(view, escapeHtml(amount))}
<p class="expires">This payment link expires on <time datetime="${session.expireTime.toISOString()}">${escapeHtml(expiryFormat.format(session.expireTime))} UTC</time>.</p>
${testModeBadge(view)}
${alert}
<form method="post" action="${escapeHtml(action)}" novalidate data-pay aria-label="Pay by card"${alert ? ' aria-describedby="problems"' : ''}>
<input type="hidden" name="csrf_token" value="${escapeHtml(state.csrfToken)}">
${field('cardNumber', state, { autocomplete: 'cc-number', inputmode: 'numeric', maxlength: 23, placeholder: '1234 1234 1234 1234' })}
<div class="row">
${field('expiry', state, { autocomplete: 'cc-exp', inputmode: 'numeric', hint: 'MM/YY', maxlength: 7, value: state.values?.expiry })}
${field('securityCode', state, { autocomplete: 'cc-csc', inputmode: 'numeric', hint: '3 or 4 digits', maxlength: 4 })}
</div>
${field('nameOnCard', state, { autocomplete: 'cc-name', maxlength: 200, value: state.values?.nameOnCard })}
<button type="submit">Pay ${escapeHtml(amount)}</button>
</form>
${link(session.cancelUrl, 'Back')}
</div>
<footer>Payment to ${escapeHtml(view.merchantName)}. Your card details are sent securely and are not stored.</footer>`;
  return layout(`Pay ${view.merchantName} · ${amount}`, body, true);
}

/** COMPLETE: a confirmation, no form. */
export function renderPaidPage(view: CheckoutView, continueUrl: string | null): string {
  const amount = amountOf(view.session);
  const body = `<div class="panel">
${header(view, 'Payment complete', 'status')}
<div class="alert success" role="status"><p>${escapeHtml(amount)} paid to ${escapeHtml(view.merchantName)}. Thank you.</p></div>
<p class="note">This payment link has been used and cannot be paid again.</p>
${link(continueUrl, `Continue to ${view.merchantName}`)}
</div>`;
  return layout(`Paid · ${view.merchantName}`, body);
}

/** EXPIRED (including OPEN past its expiry time): says so, no form. */
export function renderExpiredPage(view: CheckoutView): string {
  const body = `<div class="panel">
${header(view, 'This payment link has expired', 'status')}
<p class="note">The payment of ${escapeHtml(amountOf(view.session))} can no longer be made with this link. Nothing was charged. Ask ${escapeHtml(view.merchantName)} for a new link if you still want to pay.</p>
${link(view.session.cancelUrl, 'Back')}
</div>`;
  return layout(`Link expired · ${view.merchantName}`, body);
}

export function renderMessagePage(title: string, message: string): string {
  const body = `<div class="panel">
<h1 class="status">${escapeHtml(title)}</h1>
<p class="note">${escapeHtml(message)}</p>
</div>`;
  return layout(title, body);
}
