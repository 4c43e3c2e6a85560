import { createHash } from 'node:crypto';

/**
 * The page's only style sheet and script, inlined and allowed by hash in the
 * Content-Security-Policy, so the policy needs neither 'unsafe-inline' nor per-request nonces.
 */

export const STYLE = `
:root { color-scheme: light; --ink: #1a1f36; --muted: #5b6275; --line: #c9cdd8; --accent: #1d4ed8;
  --accent-dark: #1e3a8a; --error: #b42318; --error-bg: #fef3f2; --ok: #067647; --ok-bg: #ecfdf3; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; min-height: 100vh; background: #f3f4f8; color: var(--ink);
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 28rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
.panel { background: #fff; border: 1px solid #e3e5ec; border-radius: 12px; padding: 1.5rem;
  box-shadow: 0 1px 3px rgba(16, 24, 40, .08); }
.merchant { margin: 0; font-size: 1rem; font-weight: 600; color: var(--muted); }
h1 { margin: .25rem 0 .25rem; font-size: 2.25rem; line-height: 1.2; letter-spacing: -.01em; }
h1.status { font-size: 1.5rem; }
.expires, .note { margin: 0 0 1.25rem; color: var(--muted); font-size: .9375rem; }
.test-mode { display: inline-block; margin: 0 0 1rem; padding: .125rem .5rem; border-radius: 999px;
  background: #fff4e5; color: #8a4b00; font-size: .8125rem; font-weight: 600; }
.alert { margin: 0 0 1.25rem; padding: .75rem 1rem; border-radius: 8px; border: 1px solid var(--error);
  background: var(--error-bg); color: var(--error); }
.alert p { margin: 0; font-weight: 600; }
.alert ul { margin: .5rem 0 0; padding-left: 1.25rem; }
.alert a { color: var(--error); }
.success { border-color: var(--ok); background: var(--ok-bg); color: var(--ok); }
.field { margin: 0 0 1rem; }
.row { display: flex; gap: 1rem; }
.row .field { flex: 1 1 0; min-width: 0; }
label { display: block; margin: 0 0 .25rem; font-weight: 600; }
.hint { display: block; margin: -.125rem 0 .25rem; color: var(--muted); font-size: .875rem; }
input { display: block; width: 100%; min-height: 2.75rem; padding: .5rem .75rem; border: 1px solid var(--line);
  border-radius: 8px; background: #fff; color: var(--ink); font: inherit; font-size: 1.0625rem; }
input:focus { outline: 3px solid #93b4f5; outline-offset: 1px; border-color: var(--accent); }
input[aria-invalid="true"] { border: 2px solid var(--error); }
.error { margin: .25rem 0 0; color: var(--error); font-size: .9375rem; font-weight: 600; }
button { display: block; width: 100%; min-height: 3rem; margin: 1.5rem 0 0; padding: .75rem 1rem; border: 0;
  border-radius: 8px; background: var(--accent); color: #fff; font: inherit; font-size: 1.125rem; font-weight: 700;
  cursor: pointer; }
button:hover { background: var(--accent-dark); }
button:focus-visible { outline: 3px solid #93b4f5; outline-offset: 2px; }
button[aria-disabled="true"] { opacity: .75; cursor: progress; }
.links { margin: 1.25rem 0 0; text-align: center; }
.links a { color: var(--accent); font-weight: 600; }
.links a:focus-visible { outline: 3px solid #93b4f5; outline-offset: 2px; border-radius: 2px; }
footer { margin-top: 1rem; text-align: center; color: var(--muted); font-size: .8125rem; }
@media (max-width: 360px) { .row { flex-direction: column; gap: 0; } h1 { font-size: 1.875rem; } }
@media (prefers-reduced-motion: no-preference) { button { transition: background-color .15s; } }
`;

/**
 * Progressive enhancement only: the form works without it. It stops a second submission while
 * the first is on its way (the server is safe either way) and undoes that when the browser
 * shows the page again from its back/forward cache.
 */
export const SCRIPT = `
(function () {
  var form = document.querySelector('form[data-pay]');
  if (!form) return;
  var button = form.querySelector('button[type="submit"]');
  var label = button.textContent;
  form.addEventListener('submit', function (event) {
    if (form.getAttribute('aria-busy') === 'true') { event.preventDefault(); return; }
    form.setAttribute('aria-busy', 'true');
    button.setAttribute('aria-disabled', 'true');
    button.textContent = 'Processing\\u2026';
  });
  window.addEventListener('pageshow', function () {
    form.removeAttribute('aria-busy');
    button.removeAttribute('aria-disabled');
    button.textContent = label;
  });
})();
`;

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

export const STYLE_HASH = sha256(STYLE);
export const SCRIPT_HASH = sha256(SCRIPT);
