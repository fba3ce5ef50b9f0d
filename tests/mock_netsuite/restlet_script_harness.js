// Runs deploy/netsuite/custsync_search_restlet.js's post() under stand-ins for the N/ modules.
// stdin: {"scenario": {...}, "body": {...}}; stdout: {"status", "body"} as NetSuite would answer.
// The stand-ins do what the SuiteScript docs say the modules do; they are no NetSuite.
const fs = require('fs');
const path = require('path');

const input = JSON.parse(fs.readFileSync(0, 'utf8'));
const sc = input.scenario;
let usage = sc.usage === undefined ? 5000 : sc.usage;
const written = [];

const error = { create: (o) => Object.assign(new Error(o.message), { name: o.name }) };
const runtime = {
    getCurrentScript: () => ({
        getParameter: ({ name }) => (sc.parameters || {})[name] || null,
        getRemainingUsage: () => usage,
    }),
};
const record = {
    Type: { CUSTOMER: 'customer' },
    submitFields: (o) => {
        usage -= 5;  // record.submitFields on a non-transaction record
        const fail = (sc.failures || {})[o.id];
        if (fail) {
            throw Object.assign(new Error(fail.message), { name: fail.code });
        }
        written.push({ id: o.id, values: o.values });
        return Number(o.id);
    },
};
const keyOf = (c) => (c.join ? `${c.join}.${c.name}` : c.name);
const search = {
    Type: { CUSTOMER: 'customer' },
    Sort: { ASC: 'ASC' },
    createColumn: (o) => Object.assign({}, o),
    load: ({ id }) => {
        const s = (sc.searches || {})[id];
        if (!s) {
            throw Object.assign(new Error('no search'), { name: 'INVALID_SEARCH' });
        }
        return { searchType: 'customer', filterExpression: s.filters || [], columns: s.columns };
    },
    create: (o) => ({
        run: () => ({
            getRange: () => {
                if (o.columns.some((c) => !(sc.knownFields || []).includes(c.name))) {
                    throw Object.assign(new Error('An nlobjSearchColumn contains an invalid column'), { name: 'SSS_INVALID_SRCH_COL' });
                }
                return [];
            },
        }),
        runPaged: ({ pageSize }) => {
            if (o.columns.some((c) => !c.formula && c.name !== 'internalid' && !(sc.knownFields || []).includes(c.name))) {
                throw Object.assign(new Error('An nlobjSearchColumn contains an invalid column'), { name: 'SSS_INVALID_SRCH_COL' });
            }
            global.lastFilters = o.filters;
            const rows = sc.rows || [];
            const ranges = [];
            for (let i = 0; i < rows.length; i += pageSize) ranges.push({ index: ranges.length });
            return {
                count: rows.length,
                pageRanges: ranges,
                fetch: ({ index }) => ({
                    data: rows.slice(index * pageSize, (index + 1) * pageSize).map((r) => ({
                        id: Number(r.id),
                        getValue: (c) => (c.formula ? r.lastModified : (r.values[keyOf(c)] || {}).value),
                        getText: (c) => (c.formula ? null : (r.values[keyOf(c)] || {}).text || null),
                    })),
                }),
            };
        },
    }),
};
// N/crypto: an API secret is named by its script id and read only inside NetSuite (scenario.secrets here);
// HMAC digests as N/crypto's Hmac.digest gives them. Unconfirmed: the error for a secret that is missing.
const nodeCrypto = require('crypto');
const crypto = {
    HashAlg: { SHA256: 'sha256' },
    createSecretKey: ({ secret }) => {
        if (!(sc.secrets || {})[secret]) {
            throw Object.assign(new Error(`No API secret ${secret}`), { name: 'INVALID_SECRET_KEY' });
        }
        return { value: sc.secrets[secret] };
    },
    createHmac: ({ algorithm, key }) => {
        const hmac = nodeCrypto.createHmac(algorithm, key.value);
        return {
            update: ({ input }) => hmac.update(input, 'utf8'),
            digest: () => hmac.digest('hex').toUpperCase(),
        };
    },
};
const encode = { Encoding: { UTF_8: 'UTF_8', HEX: 'HEX' } };
const modules = { 'N/search': search, 'N/error': error, 'N/url': {}, 'N/crypto': crypto, 'N/encode': encode,
    'N/runtime': runtime, 'N/record': record };

let entry;
global.define = (deps, factory) => { entry = factory(...deps.map((d) => modules[d])); };
eval(fs.readFileSync(path.join(__dirname, '../../deploy/netsuite/custsync_search_restlet.js'), 'utf8'));
let out;
try {
    out = { status: 200, body: entry.post(input.body) };
} catch (e) {
    out = { status: 400, body: { error: { code: e.name, message: e.message } } };
}
out.written = written;
out.filters = global.lastFilters || null;
process.stdout.write(JSON.stringify(out));
