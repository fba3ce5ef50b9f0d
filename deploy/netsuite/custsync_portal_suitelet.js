/**
 * custsync portal Suitelet: the durable link in the portal field (R6).
 *
 * Deploy it "Available Without Login" (Status: Released). A customer opens
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
 * The admin's remedy goes to the execution log (N/log), never to the page.
 *
 * Secrets (Setup > Company > API Secrets, restricted to this script and the RESTlet):
 *   custsecret_custsync_portal_link   the signing secret (rotate it to invalidate every link)
 *   custsecret_custsync_stripe_key    the Stripe secret key (a restricted key with Customer portal write)
 * Script parameters: custscript_custsync_stripe_id_field (default custentity_paypack_stripe_customer_id),
 *   custscript_custsync_return_url (where the portal's Return link goes).
 *
 * @NApiVersion 2.1
 * @NScriptType Suitelet
 * @NModuleScope SameAccount
 */
define(['N/crypto', 'N/encode', 'N/https', 'N/log', 'N/redirect', 'N/runtime', 'N/search'],
    (crypto, encode, https, log, redirect, runtime, search) => {
    const SIGNED_PREFIX = 'custsync-portal-link:';
    const SIGNING_SECRET = 'custsecret_custsync_portal_link';
    const STRIPE_KEY_SECRET = 'custsecret_custsync_stripe_key';
    const STRIPE_API = 'https://api.stripe.com';
    const CUSTOMER_ID = /^[1-9][0-9]{0,9}$/;
    const SIGNATURE = /^[0-9a-f]{64}$/;
    const PORTAL_ERROR_TEXT = 'Getting error while generating customer portal Session URL';

    const PAGES = {
        'bad-signature': ['This link is not valid',
            'This billing link is not valid or is out of date. Please ask us for a new one.'],
        'not-linked': ['Billing portal not available',
            'Online billing is not set up for your account yet. Please contact us.'],
        'stale-customer': ['This link is not valid',
            'This billing link is not valid or is out of date. Please ask us for a new one.'],
        'portal-not-activated': [PORTAL_ERROR_TEXT, `${PORTAL_ERROR_TEXT}. Please try again later or contact us.`],
        'stripe-refused': [PORTAL_ERROR_TEXT, `${PORTAL_ERROR_TEXT}. Please try again later or contact us.`],
        'stripe-unreachable': ['Billing portal unavailable',
            'The billing portal cannot be reached right now. Please try again in a few minutes.'],
    };

    const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => (
        { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));

    const page = (response, reason) => {
        const [title, text] = PAGES[reason];
        response.setHeader({ name: 'Content-Type', value: 'text/html; charset=utf-8' });
        response.write({
            output: '<!doctype html>\n<html><head><meta charset="utf-8">'
                + `<meta name="custsync-portal-page" content="${reason}"><title>${escapeHtml(title)}</title></head>\n`
                + `<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></body></html>\n`,
        });
    };

    const sign = (customerId) => {
        const hmac = crypto.createHmac({
            algorithm: crypto.HashAlg.SHA256,
            key: crypto.createSecretKey({ secret: SIGNING_SECRET, encoding: encode.Encoding.UTF_8 }),
        });
        hmac.update({ input: SIGNED_PREFIX + customerId, inputEncoding: encode.Encoding.UTF_8 });
        return hmac.digest({ outputEncoding: encode.Encoding.HEX }).toLowerCase();
    };

    // Constant time: the comparison does not stop at the first differing character.
    const sameText = (a, b) => {
        if (a.length !== b.length) return false;
        let diff = 0;
        for (let i = 0; i < a.length; i += 1) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
        return diff === 0;
    };

    const stripeCustomerId = (customerId, fieldId) => {
        try {
            const values = search.lookupFields({ type: search.Type.CUSTOMER, id: customerId, columns: [fieldId] });
            return String(values[fieldId] || '').trim();
        } catch (e) {
            return '';  // no such customer
        }
    };

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
            return { status: null, body: { error: { message: e.message } } };
        }
    };

    const onRequest = (context) => {
        const params = context.request.parameters;
        const cid = params.cid;
        const sig = params.sig;
        const script = runtime.getCurrentScript();
        if (!cid || !sig || !CUSTOMER_ID.test(cid) || !SIGNATURE.test(sig)) {
            log.audit({ title: 'portal link refused', details: 'missing or malformed cid/sig: the link was cut or altered; write the current link (custsync portal-link ID)' });
            return page(context.response, 'bad-signature');
        }
        if (!sameText(sig, sign(cid))) {
            log.audit({ title: 'portal link refused', details: `customer ${cid}: signature does not match (an old secret, or an altered link); write the current link (custsync portal-link ID, or the next sync)` });
            return page(context.response, 'bad-signature');
        }
        const fieldId = script.getParameter({ name: 'custscript_custsync_stripe_id_field' }) || 'custentity_paypack_stripe_customer_id';
        const stripeId = stripeCustomerId(cid, fieldId);
        if (!stripeId) {
            log.audit({ title: 'portal link refused', details: `customer ${cid}: no STRIPE CUSTOMER ID; sync the customer first` });
            return page(context.response, 'not-linked');
        }
        const returnUrl = script.getParameter({ name: 'custscript_custsync_return_url' }) || 'https://example.com/account';
        const result = createSession(stripeId, returnUrl);
        if (result.status === 200 && result.body && typeof result.body.url === 'string') {
            return redirect.redirect({ url: result.body.url });
        }
        const err = (result.body && result.body.error) || {};
        const message = String(err.message || '');
        if (result.status === null || result.status >= 500 || result.status === 429) {
            log.error({ title: 'portal link failed', details: `Stripe unreachable or failing (${result.status || message})` });
            return page(context.response, 'stripe-unreachable');
        }
        if (err.code === 'resource_missing' && err.param === 'customer') {
            log.error({ title: 'portal link failed', details: `customer ${cid}: Stripe has no customer ${stripeId} (R2): clear STRIPE CUSTOMER ID to rematch` });
            return page(context.response, 'stale-customer');
        }
        if (message.toLowerCase().indexOf('default configuration') >= 0) {
            log.error({ title: PORTAL_ERROR_TEXT, details: `${message} Remedy: Stripe Dashboard -> Settings -> Customer Portal -> Activate link.` });
            return page(context.response, 'portal-not-activated');
        }
        log.error({ title: PORTAL_ERROR_TEXT, details: `Stripe refused the session (${result.status}): ${message}` });
        return page(context.response, 'stripe-refused');
    };

    return { onRequest: onRequest };
});
