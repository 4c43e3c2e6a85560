/**
 * Card checks that need no processor: number (Luhn, brand, length), expiry, security code and
 * name, every problem reported with its field so the customer fixes them all at once.
 */
import type { InputIssue } from '../errors.js';

type CardBrand = 'visa' | 'mastercard' | 'amex' | 'discover' | 'diners' | 'jcb' | 'unionpay' | 'unknown';

/** What the customer typed, untrusted. Field names double as issue paths. */
export interface CardInput {
  cardNumber?: string | null;
  /** `MM/YY` (also accepted: `MMYY`, `MM/YYYY`, spaces around the slash). */
  expiry?: string | null;
  securityCode?: string | null;
  nameOnCard?: string | null;
}

/** A card that passed validation. Keep it in memory only; `toString` hides the number. */
export interface Card {
  /** Digits only. */
  number: string;
  brand: CardBrand;
  last4: string;
  expMonth: number;
  /** Four digits. */
  expYear: number;
  securityCode: string;
  name: string;
}

const CARD_BRAND_LABELS: Record<CardBrand, string> = {
  visa: 'Visa',
  mastercard: 'Mastercard',
  amex: 'American Express',
  discover: 'Discover',
  diners: 'Diners Club',
  jcb: 'JCB',
  unionpay: 'UnionPay',
  unknown: 'Card',
};

function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let digit = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** The brand from the issuer prefix (IIN ranges as the card networks publish them). */
function detectCardBrand(digits: string): CardBrand {
  const prefix = (length: number) => Number(digits.slice(0, length));
  if (/^4/.test(digits)) return 'visa';
  if (/^3[47]/.test(digits)) return 'amex';
  if (/^5[1-5]/.test(digits) || (prefix(4) >= 2221 && prefix(4) <= 2720)) return 'mastercard';
  if (/^(6011|65)/.test(digits) || (prefix(3) >= 644 && prefix(3) <= 649)) return 'discover';
  if (/^(36|38|39)/.test(digits) || (prefix(3) >= 300 && prefix(3) <= 305)) return 'diners';
  if (prefix(4) >= 3528 && prefix(4) <= 3589) return 'jcb';
  if (/^62/.test(digits)) return 'unionpay';
  return 'unknown';
}

/** How far ahead an expiry date may be before it is more likely a typo than a card. */
const MAX_EXPIRY_YEARS_AHEAD = 20;

/**
 * Checks everything that can be checked without a processor and reports every problem with its
 * field, so the customer fixes them all at once. Nothing is charged for a card that fails here.
 */
export function validateCard(
  input: CardInput,
  now = new Date(),
): { card: Card; issues?: undefined } | { card?: undefined; issues: InputIssue[] } {
  const issues: InputIssue[] = [];
  const number = (input.cardNumber ?? '').replace(/[\s-]/g, '');
  const expiry = (input.expiry ?? '').trim();
  const securityCode = (input.securityCode ?? '').trim();
  const name = (input.nameOnCard ?? '').trim();

  let brand: CardBrand = 'unknown';
  if (number === '') {
    issues.push({ path: ['cardNumber'], message: 'Enter your card number.' });
  } else if (!/^\d+$/.test(number)) {
    issues.push({ path: ['cardNumber'], message: 'Enter the card number using digits only.' });
  } else if (number.length < 12 || number.length > 19 || !luhnValid(number)) {
    issues.push({ path: ['cardNumber'], message: 'Your card number is invalid. Check it and try again.' });
  } else {
    brand = detectCardBrand(number);
    if (brand === 'amex' && number.length !== 15) {
      issues.push({ path: ['cardNumber'], message: 'Your card number is invalid. Check it and try again.' });
    }
  }

  let expMonth = 0;
  let expYear = 0;
  const expiryMatch = /^(\d{1,2})\s*\/?\s*(\d{2}|\d{4})$/.exec(expiry);
  if (expiry === '') {
    issues.push({ path: ['expiry'], message: 'Enter the expiry date, as MM/YY.' });
  } else if (!expiryMatch || Number(expiryMatch[1]) < 1 || Number(expiryMatch[1]) > 12) {
    issues.push({ path: ['expiry'], message: 'Enter the expiry date as MM/YY, for example 04/29.' });
  } else {
    expMonth = Number(expiryMatch[1]);
    expYear = Number(expiryMatch[2]!.length === 2 ? `20${expiryMatch[2]}` : expiryMatch[2]);
    // A card is valid through the last day of its expiry month.
    const monthsNow = now.getUTCFullYear() * 12 + now.getUTCMonth();
    const monthsCard = expYear * 12 + (expMonth - 1);
    if (monthsCard < monthsNow) {
      issues.push({
        path: ['expiry'],
        message: 'Your card has expired. Use a card with an expiry date in the future.',
      });
    } else if (monthsCard > monthsNow + MAX_EXPIRY_YEARS_AHEAD * 12) {
      issues.push({ path: ['expiry'], message: 'The expiry date is too far in the future. Check it and try again.' });
    }
  }

  const codeLength = brand === 'amex' ? 4 : 3;
  if (securityCode === '') {
    issues.push({ path: ['securityCode'], message: 'Enter the security code from your card.' });
  } else if (!new RegExp(`^\\d{${codeLength}}$`).test(securityCode)) {
    issues.push({
      path: ['securityCode'],
      message:
        brand === 'amex'
          ? 'The security code is the 4 digits on the front of your card.'
          : 'The security code is the 3 digits on the back of your card.',
    });
  }

  if (name === '') {
    issues.push({ path: ['nameOnCard'], message: 'Enter the name shown on your card.' });
  } else if (name.length > 200) {
    issues.push({ path: ['nameOnCard'], message: 'The name on the card must be at most 200 characters.' });
  }

  if (issues.length > 0) return { issues };
  const card: Card = { number, brand, last4: number.slice(-4), expMonth, expYear, securityCode, name };
  // A card that ends up in a log line or a JSON dump by accident shows nothing sensitive.
  const masked = `${CARD_BRAND_LABELS[brand]} ending ${card.last4}`;
  Object.defineProperties(card, {
    toString: { value: () => masked, enumerable: false },
    toJSON: { value: () => ({ brand, last4: card.last4 }), enumerable: false },
    [Symbol.for('nodejs.util.inspect.custom')]: { value: () => `Card <${masked}>`, enumerable: false },
  });
  return { card };
}
