/**
 * custsync portal Suitelet: the durable link in the portal field (R6).
 *
 * Deployed by this SDF project (Objects/customscript_custsync_portal.xml): Available Without Login,
 * Released. A customer opens
 *   https://<account>.extforms.netsuite.com/app/site/hosting/scriptlet.nl?script=..&deploy=..&compid=..&ns-at=..
 *     &cid=<customer internal id>&sig=<HMAC-SHA256(secret, "custsync-portal-link:" + cid), hex>
 * (the link the RESTlet's "portalLinks" action returns). The script checks the signature, reads the
 * customer's STRIPE CUSTOMER ID, creates a Stripe billing-portal session and redirects to it. Session
 * URLs are short-lived and never stored; the link outlives them.
 *
 * Contract (also in portal_suitelet_contract.json, which the mock is tested against): a redirect to the
 * session, or a 200 page for the customer carrying <meta name="custsync-portal-page" content="REASON">:
 *   bad-signature        missing, malformed, altered, truncated or other-customer signature
 *   not-linked           no such customer, or STRIPE CUSTOMER ID is empty
 *   stale-customer       Stripe has no such customer (deleted): R2
 *   portal-not-activated Stripe refuses: no default portal configuration (R7, PayPack's sentence)
 *   stripe-refused       Stripe refuses for another reason (PayPack's sentence)
 *   stripe-unreachable   Stripe cannot be reached or fails (5xx, 429, time-out)
 * Each page names the company, says what to do next and shows a short reference; the admin's remedy goes
 * to the execution log (N/log) under the same reference, never to the page. The mock
 * (mock_netsuite/portal_suitelet.py) renders the same pages; a test compares the two.
 *
 * Secrets (Setup > Company > Preferences > API Secrets, restricted to this script and the RESTlet):
 *   custsecret_custsync_portal_link   the signing secret (rotate it to invalidate every link)
 *   custsecret_custsync_stripe_key    the Stripe secret key (a restricted key with Customer portal write)
 * Script parameters: custscript_custsync_stripe_id_field (default custentity_paypack_stripe_customer_id),
 *   custscript_custsync_return_url (where the portal's Return link goes), custscript_custsync_company_name
 *   and custscript_custsync_support_contact (an email address or a web page) for the customer's pages.
 *
 * @NApiVersion 2.1
 * @NScriptType Suitelet
 * @NModuleScope SameAccount
 */
define(['N/https', 'N/log', 'N/redirect', 'N/runtime', 'N/search', './custsync_link_signature'],
    /**
     * @param {typeof import('N/https')} https
     * @param {typeof import('N/log')} log
     * @param {typeof import('N/redirect')} redirect
     * @param {typeof import('N/runtime')} runtime
     * @param {typeof import('N/search')} search
     * @param {{sign: (customerId: string) => string}} linkSignature
     */
    (https, log, redirect, runtime, search, linkSignature) => {
    const STRIPE_KEY_SECRET = 'custsecret_custsync_stripe_key';
    const STRIPE_API = 'https://api.stripe.com';
    const CUSTOMER_ID = /^[1-9][0-9]{0,9}$/;
    const SIGNATURE = /^[0-9a-f]{64}$/;
    const PORTAL_ERROR_TEXT = 'Getting error while generating customer portal Session URL';
    const PARAMETERS = {
        stripeIdField: 'custscript_custsync_stripe_id_field',
        returnUrl: 'custscript_custsync_return_url',
        companyName: 'custscript_custsync_company_name',
        supportContact: 'custscript_custsync_support_contact',
    };

    // What the customer reads: what happened, then the next step in plain words. {company} is the
    // company's name, or "the company that sent you this link" while the parameter is empty.
    const INVALID_LINK = {
        heading: 'This billing link no longer works',
        message: 'This billing link is not valid or is out of date.',
        next: 'Please ask {company} for a new link.',
    };
    const CANNOT_OPEN = {
        heading: 'Your billing page could not be opened',
        message: 'Something went wrong while opening your billing page.',
        next: 'Please try again later, or contact {company} if it keeps happening.',
        paypack: PORTAL_ERROR_TEXT,  // PayPack's wording, kept small so that support recognises it
    };
    /** @type {Record<string, {heading: string, message: string, next: string, paypack?: string}>} */
    const PAGES = {
        'bad-signature': INVALID_LINK,
        'stale-customer': INVALID_LINK,
        'not-linked': {
            heading: 'Your billing page is not ready yet',
            message: 'Online billing is not set up for your account yet.',
            next: 'Please contact {company} to set it up, or to pay your invoice another way.',
        },
        'portal-not-activated': CANNOT_OPEN,
        'stripe-refused': CANNOT_OPEN,
        'stripe-unreachable': {
            heading: 'Your billing page is temporarily unavailable',
            message: 'The billing portal cannot be reached right now.',
            next: 'Please try again in a few minutes.',
        },
    };
    const NO_COMPANY = 'the company that sent you this link';
    const EMAIL = /^[^\s@<>"']+@[^\s@<>"']+\.[^\s@<>"']+$/;
    const WEB_PAGE = /^https?:\/\/[^\s<>"']+$/i;
    const REFERENCE_CHARS = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';  // no 0/O, 1/I/L: read out over the phone
    // One column, the system's own fonts, colours of at least 4.5:1 contrast on both backgrounds.
    const STYLE = 'body{margin:0;background:#f3f4f6;color:#1f2937;'
        + 'font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}'
        + 'main{box-sizing:border-box;max-width:36rem;margin:0 auto;padding:clamp(1.25rem,8vh,5rem) 1rem 2rem}'
        + 'article{background:#ffffff;border:1px solid #d1d5db;border-radius:12px;padding:1.5rem}'
        + '.company{margin:0 0 1rem;font-weight:600;color:#374151}'
        + 'h1{margin:0 0 .75rem;font-size:1.5rem;line-height:1.3;color:#111827}'
        + 'p{margin:0 0 .75rem}'
        + 'a{display:inline-block;max-width:100%;color:#1d4ed8;overflow-wrap:anywhere}'
        + '.ref{margin:1.25rem 0 0;font-size:.875rem;color:#4b5563}';

    /** @param {unknown} text */
    const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => (
        /** @type {Record<string, string>} */ ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]));

    /** A script parameter as trimmed text; '' when it is unset. @param {string} name */
    const parameter = (name) => {
        const value = runtime.getCurrentScript().getParameter({ name: name });
        return typeof value === 'string' ? value.trim() : '';
    };

    /** A short random reference, e.g. 7KQ2-MX9D: on the customer's page and in the execution log line. */
    const newReference = () => {
        let ref = '';
        for (let i = 0; i < 8; i += 1) {
            ref += (i === 4 ? '-' : '') + REFERENCE_CHARS[Math.floor(Math.random() * REFERENCE_CHARS.length)];
        }
        return ref;
    };

    /** The contact line: a mailto or web link, or the text as given (a phone number). @param {string} contact */
    const contactHtml = (contact) => {
        if (EMAIL.test(contact)) {
            return `<a href="mailto:${escapeHtml(contact)}">${escapeHtml(contact)}</a>`;
        }
        if (WEB_PAGE.test(contact)) {
            return `<a href="${escapeHtml(contact)}">${escapeHtml(contact.replace(/^https?:\/\//i, '').replace(/\/$/, ''))}</a>`;
        }
        return escapeHtml(contact);
    };

    /**
     * The page for a reason (a contract key), in the customer's words.
     * @param {string} reason @param {string} ref @param {string} company @param {string} contact
     */
    const pageHtml = (reason, ref, company, contact) => {
        const content = PAGES[reason];
        const who = escapeHtml(company || NO_COMPANY);
        const title = company ? `${content.heading} · ${company}` : content.heading;
        return '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            + '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            + '<meta name="robots" content="noindex, nofollow">\n'
            + '<meta name="referrer" content="no-referrer">\n'
            + `<meta name="custsync-portal-page" content="${reason}">\n`
            + `<title>${escapeHtml(title)}</title>\n<style>${STYLE}</style>\n</head>\n<body>\n<main>\n<article>\n`
            + (company ? `<p class="company">${escapeHtml(company)}</p>\n` : '')
            + `<h1>${escapeHtml(content.heading)}</h1>\n`
            + `<p>${escapeHtml(content.message)}</p>\n`
            + `<p>${escapeHtml(content.next).replace('{company}', who)}</p>\n`
            + (contact ? `<p class="contact">Billing contact: ${contactHtml(contact)}</p>\n` : '')
            + `<p class="ref">Reference for support: ${ref}`
            + (content.paypack ? `<br>${escapeHtml(content.paypack)}` : '')
            + '</p>\n</article>\n</main>\n</body>\n</html>\n';
    };

    /** @param {import('N/http').ServerResponse} response @param {string} reason @param {string} ref */
    const page = (response, reason, ref) => {
        response.setHeader({ name: 'Content-Type', value: 'text/html; charset=utf-8' });
        response.write({
            output: pageHtml(reason, ref, parameter(PARAMETERS.companyName), parameter(PARAMETERS.supportContact)),
        });
    };

    // Constant time: the comparison does not stop at the first differing character.
    /** @param {string} a @param {string} b */
    const sameText = (a, b) => {
        if (a.length !== b.length) return false;
        let diff = 0;
        for (let i = 0; i < a.length; i += 1) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
        return diff === 0;
    };

    /**
     * The customer's STRIPE CUSTOMER ID, '' when there is none or no such customer.
     * @param {string} customerId @param {string} fieldId @param {(details: string) => void} note
     */
    const stripeCustomerId = (customerId, fieldId, note) => {
        try {
            const values = search.lookupFields({ type: search.Type.CUSTOMER, id: customerId, columns: [fieldId] });
            return String(values[fieldId] || '').trim();
        } catch (e) {
            // No such customer; or a role that may not read customers (the name says which).
            note(`reading ${fieldId} failed: ${e instanceof Error ? e.name : String(e)}`);
            return '';
        }
    };

    /**
     * Stripe's answer: its HTTP status (null when it could not be reached) and its JSON body.
     * @param {string} stripeId @param {string} returnUrl @returns {{status: number | null, body: any}}
     */
    const createSession = (stripeId, returnUrl) => {
        const body = `customer=${encodeURIComponent(stripeId)}&return_url=${encodeURIComponent(returnUrl)}`;
        try {
            const response = https.post({
                url: `${STRIPE_API}/v1/billing_portal/sessions`,
                body: body,
                headers: {
                    // The key is substituted by NetSuite from the API secret; the script never sees it.
                    Authorization: https.createSecureString({ input: `Bearer {${STRIPE_KEY_SECRET}}` }),
                    'Content-Type': 'application/x-www-form-urlencoded',
                },
            });
            let parsed = null;
            try { parsed = JSON.parse(response.body); } catch (e) { parsed = null; }
            return { status: response.code, body: parsed };
        } catch (e) {
            return { status: null, body: { error: { message: e instanceof Error ? e.message : String(e) } } };
        }
    };

    /** @param {import('N/types').EntryPoints.Suitelet.onRequestContext} context */
    const onRequest = (context) => {
        const ref = newReference();
        /**
         * The admin's remedy to the execution log and the customer's page, under one reference.
         * @param {string} reason @param {'audit' | 'error'} level @param {string} title @param {string} details
         */
        const refuse = (reason, level, title, details) => {
            log[level]({ title: title, details: `ref ${ref}: ${details}` });
            page(context.response, reason, ref);
        };
        const params = context.request.parameters;
        const cid = params.cid;
        const sig = params.sig;
        if (!cid || !sig || !CUSTOMER_ID.test(cid) || !SIGNATURE.test(sig)) {
            return refuse('bad-signature', 'audit', 'portal link refused', 'missing or malformed cid/sig: the link was '
                + 'cut or altered; write the current link (custsync portal-link ID)');
        }
        if (!sameText(sig, linkSignature.sign(cid))) {
            return refuse('bad-signature', 'audit', 'portal link refused', `customer ${cid}: signature does not match `
                + '(an old secret, or an altered link); write the current link (custsync portal-link ID, or the next sync)');
        }
        const fieldId = parameter(PARAMETERS.stripeIdField) || 'custentity_paypack_stripe_customer_id';
        const notes = /** @type {string[]} */ ([]);
        const stripeId = stripeCustomerId(cid, fieldId, (details) => notes.push(details));
        if (!stripeId) {
            return refuse('not-linked', 'audit', 'portal link refused', `customer ${cid}: no STRIPE CUSTOMER ID; `
                + `sync the customer first${notes.length ? ` (${notes.join('; ')})` : ''}`);
        }
        const returnUrl = parameter(PARAMETERS.returnUrl) || 'https://example.com/account';
        const result = createSession(stripeId, returnUrl);
        if (result.status === 200 && result.body && typeof result.body.url === 'string') {
            return redirect.redirect({ url: result.body.url });
        }
        const err = (result.body && result.body.error) || {};
        const message = String(err.message || '');
        if (result.status === null || result.status >= 500 || result.status === 429) {
            return refuse('stripe-unreachable', 'error', 'portal link failed',
                `Stripe unreachable or failing (${result.status || message})`);
        }
        if (err.code === 'resource_missing' && err.param === 'customer') {
            return refuse('stale-customer', 'error', 'portal link failed', `customer ${cid}: Stripe has no customer `
                + `${stripeId} (R2): clear STRIPE CUSTOMER ID to rematch`);
        }
        if (message.toLowerCase().indexOf('default configuration') >= 0) {
            return refuse('portal-not-activated', 'error', PORTAL_ERROR_TEXT,
                `${message} Remedy: Stripe Dashboard -> Settings -> Customer Portal -> Activate link.`);
        }
        return refuse('stripe-refused', 'error', PORTAL_ERROR_TEXT,
            `Stripe refused the session (${result.status}): ${message}`);
    };

    return { onRequest: onRequest };
});
