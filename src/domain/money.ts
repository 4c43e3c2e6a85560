/**
 * Money is a bigint of minor units plus an ISO 4217 currency, end to end. Strings only at the
 * edge; no floats and no arithmetic across currencies.
 */

const ZERO_DECIMAL = 'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF';
const THREE_DECIMAL = 'BHD IQD JOD KWD LYD OMR TND';
const FOUR_DECIMAL = 'CLF UYW';
/** Current ISO 4217 codes with two minor digits (precious metals, SDR and test codes left out). */
const TWO_DECIMAL = `AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BMD BND BOB BOV BRL BSD BTN
  BWP BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP
  GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP
  LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD
  PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP
  SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG`;

const MINOR_UNITS = new Map<string, number>();
for (const [codes, digits] of [
  [ZERO_DECIMAL, 0],
  [TWO_DECIMAL, 2],
  [THREE_DECIMAL, 3],
  [FOUR_DECIMAL, 4],
] as const) {
  for (const code of codes.split(/\s+/).filter(Boolean)) MINOR_UNITS.set(code, digits);
}

/** The largest amount, in minor units, a session may ask for. */
export const MAX_AMOUNT = 999_999_999_999n;

/** An amount as the API takes it: decimal digits, no sign or leading zero, at most MAX_AMOUNT. */
export const AMOUNT_PATTERN = `^[1-9][0-9]{0,${String(MAX_AMOUNT).length - 1}}$`;

/** The amount field's description, shared by GraphQL and the REST API's OpenAPI document. */
export const AMOUNT_DESCRIPTION = `Smallest currency unit as decimal digits, 1 to ${MAX_AMOUNT}: "10000" is 100.00 GBP.`;

export function isCurrency(code: string): boolean {
  return MINOR_UNITS.has(code.toUpperCase());
}

function minorUnits(currency: string): number {
  const digits = MINOR_UNITS.get(currency);
  if (digits === undefined) throw new Error(`Unknown currency ${currency}`);
  return digits;
}

/** `amount` as a decimal string in major units: 10000 GBP → "100.00", 1234 KWD → "1.234". */
function toMajorUnitString(amount: bigint, currency: string): string {
  const digits = minorUnits(currency);
  if (digits === 0) return amount.toString();
  const text = amount.toString().padStart(digits + 1, '0');
  return `${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

const formatters = new Map<string, Intl.NumberFormat>();

export function isLocale(locale: string): boolean {
  try {
    return Intl.NumberFormat.supportedLocalesOf([locale]).length > 0;
  } catch {
    return false;
  }
}

/** "£100.00" for 10000 GBP; the locale decides symbols and separators, the currency the digits. */
export function formatAmount(amount: bigint, currency: string, locale = 'en'): string {
  const cacheKey = `${locale}|${currency}`;
  let formatter = formatters.get(cacheKey);
  if (!formatter) {
    const digits = minorUnits(currency);
    formatter = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
    formatters.set(cacheKey, formatter);
  }
  // Intl formats decimal strings exactly, so no float ever holds the amount.
  return formatter.format(toMajorUnitString(amount, currency) as unknown as number);
}
