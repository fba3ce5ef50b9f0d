// Runs deploy/netsuite/FileCabinet/SuiteScripts/custsync/custsync_portal_suitelet.js's onRequest() under
// stand-ins for the N/ modules. stdin: {"scenario": {...}, "query": {"cid", "sig"}};
// stdout: {"status", "headers", "body", "location", "log", "stripe"} as a customer's browser would get them.
const fs = require('fs');
const path = require('path');
const standins = require('./suitescript_standins');

const input = JSON.parse(fs.readFileSync(0, 'utf8'));
const sc = input.scenario;
const logged = [];
const stripeCalls = [];
let location = null;

// search.lookupFields on a customer: its values, or NetSuite's error for a record that does not exist.
const search = {
    Type: { CUSTOMER: 'customer' },
    lookupFields: ({ id, columns }) => {
        const found = (sc.customers || {})[id];
        if (!found) {
            throw Object.assign(new Error('That record does not exist.'), { name: 'RCRD_DSNT_EXIST' });
        }
        return Object.fromEntries(columns.map((c) => [c, found[c] === undefined ? '' : found[c]]));
    },
};
// https.post to Stripe: the scenario's answer ({code, body}) or, without one, a failure to connect.
const https = {
    createSecureString: ({ input: text }) => ({ secureString: text }),
    post: (options) => {
        stripeCalls.push({ url: options.url, body: options.body });
        if (!sc.stripe) {
            throw Object.assign(new Error('connect ECONNREFUSED'), { name: 'SSS_CONNECTION_CLOSED' });
        }
        return { code: sc.stripe.code, body: JSON.stringify(sc.stripe.body) };
    },
};
const redirect = { redirect: ({ url }) => { location = url; } };
const headers = {};
let body = '';
const response = {
    setHeader: ({ name, value }) => { headers[name] = value; },
    write: (o) => { body += typeof o === 'string' ? o : o.output; },
};

const modules = { 'N/crypto': standins.crypto(sc.secrets), 'N/encode': standins.encode, 'N/https': https,
    'N/log': standins.log(logged), 'N/redirect': redirect, 'N/runtime': standins.runtime(sc.parameters, { left: 1000 }),
    'N/search': search };
const entry = standins.loadScript(path.join(__dirname,
    '../../deploy/netsuite/FileCabinet/SuiteScripts/custsync/custsync_portal_suitelet.js'), modules);
entry.onRequest({ request: { parameters: input.query }, response: response });
process.stdout.write(JSON.stringify({ status: location ? 302 : 200, headers: headers, body: body, location: location,
    log: logged, stripe: stripeCalls }));
